/**
 * Engine behaviour no oracle mount shows: stacks beyond overlayfs's limits, callers and setgid,
 * read-only stacks, path checks, concurrent copy-ups, copy-up of sparse files (issue 15), and
 * never following a lower symlink.
 */
import t from 'tap'
import {
  closeSync,
  ftruncateSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  writeFileSync,
  writeSync,
} from 'node:fs'
import { Overlay } from '../../../daemon/overlay/overlay.js'
import {
  buildLayer,
  buildStack,
  dir,
  file,
  FIXTURE_TIME,
  symlink,
  whiteout,
  type Entry,
} from '../../helpers/fixtures.js'
import { lgetxattr } from '../../../native-bindings/index.js'
import { tmpdir } from '../../helpers/tmpdir.js'

process.umask(0)

function stack(t: Parameters<typeof tmpdir>[0], layers: Entry[][], writable = true) {
  const base = tmpdir(t, 'strata-engine-')
  const dirs = buildStack(base, layers)
  return { ov: new Overlay(writable ? dirs : { lowers: dirs.lowers }), base }
}

t.test('1,000 layers: every layer shows, whiteouts hide, lookups hit the index', async (t) => {
  const layers = Array.from({ length: 1000 }, (_, i) => [file(`shared/f${i}`, String(i)), file('top', `layer ${i}`)])
  layers[0]?.push(whiteout('shared/f999'))
  const { ov } = stack(t, layers)
  t.equal(readFileSync(ov.openForRead('top'), 'utf8'), 'layer 0')
  t.equal(readFileSync(ov.openForRead('shared/f998'), 'utf8'), '998')
  t.throws(() => ov.lookup('shared/f999'), { code: 'ENOENT' })
  t.equal(ov.readdir('shared').length, 999)
  t.equal(ov.getattr('shared').nlink, 1, 'a merged directory reports nlink 1, as overlayfs')
  const indexed = ov.stack.index.size
  for (let i = 0; i < 998; i++) ov.lookup(`shared/f${i}`)
  t.equal(ov.stack.index.size, indexed, 'no directory was read again')
  await ov.openForWrite('shared/f0')
  t.equal(readFileSync(ov.openForRead('shared/f0'), 'utf8'), '0')
})

t.test('2,000 entries in one directory across layers and upper, sorted', async (t) => {
  const low = Array.from({ length: 1000 }, (_, i) => file(`big/l${String(i).padStart(4, '0')}`))
  const high = Array.from({ length: 500 }, (_, i) => file(`big/h${String(i).padStart(4, '0')}`))
  const { ov } = stack(t, [high, low])
  for (let i = 0; i < 500; i++) ov.create(`big/u${String(i).padStart(4, '0')}`, 0o644)
  const names = ov.readdir('big').map((e) => e.name)
  t.equal(names.length, 2000)
  t.same(names, [...names].sort())
})

t.test('new entries belong to the caller; setgid directories pass on their group', async (t) => {
  const { ov } = stack(t, [[dir('pub', { mode: 0o777 }), dir('sg', { mode: 0o2777, gid: 50 })]])
  const caller = { uid: 1000, gid: 1000 }
  t.match(ov.create('pub/f', 0o640, caller), { uid: 1000, gid: 1000, mode: 0o100640 })
  t.match(ov.mkdir('pub/d', 0o750, caller), { uid: 1000, gid: 1000, mode: 0o40750 })
  t.match(ov.symlink('f', 'pub/l', caller), { uid: 1000, gid: 1000 })
  t.match(ov.mknod('pub/p', 0o10600, 0, 0, caller), { uid: 1000, gid: 1000, mode: 0o10600 })
  t.match(ov.create('sg/f', 0o644, caller), { uid: 1000, gid: 50 })
  t.match(ov.mkdir('sg/d', 0o755, caller), { uid: 1000, gid: 50, mode: 0o42755 })
})

t.test(
  'a name no lower shows is made without an lstat first: a stray whiteout is replaced, an entry is EEXIST',
  async (t) => {
    const base = tmpdir(t, 'strata-engine-')
    const dirs = buildStack(base, [[dir('d'), file('d/lower', 'l')]])
    buildLayer(dirs.upper, [dir('d'), ...['w1', 'w2', 'w3', 'w4', 'w5'].map((n) => whiteout(`d/${n}`)), file('d/real')])
    const ov = new Overlay(dirs)
    const caller = { uid: 1000, gid: 1000 }
    t.match(ov.create('d/w1', 0o640, caller), { uid: 1000, gid: 1000, mode: 0o100640 })
    t.match(ov.mkdir('d/w2', 0o750, caller), { uid: 1000, mode: 0o40750 })
    t.match(ov.symlink('w1', 'd/w3', caller), { uid: 1000, mode: 0o120777 })
    t.match(ov.mknod('d/w4', 0o10600, 0, 0, caller), { uid: 1000, mode: 0o10600 })
    await ov.link('d/w1', 'd/w5')
    for (const name of ['w1', 'w2', 'w3', 'w4', 'w5']) {
      t.notOk(lstatSync(`${dirs.upper}/d/${name}`).isCharacterDevice(), `${name}: the whiteout is gone`)
    }
    for (const make of [() => ov.create('d/real', 0o644, caller), () => ov.mkdir('d/real', 0o755, caller)]) {
      t.throws(make, { code: 'EEXIST' }, 'an upper entry')
    }
    t.throws(() => ov.create('d/lower', 0o644, caller), { code: 'EEXIST' }, 'a lower entry')
    t.same(
      ov.readdir('d').map((e) => e.name),
      ['lower', 'real', 'w1', 'w2', 'w3', 'w4', 'w5'],
    )
    t.same(readdirSync(dirs.work), [], 'nothing left in work/')
  },
)

t.test('a read-only stack answers EROFS to every change', async (t) => {
  const { ov } = stack(t, [[file('f', 'x'), dir('d')]], false)
  t.ok(ov.readonly)
  t.throws(() => ov.create('g', 0o644), { code: 'EROFS' })
  t.throws(() => ov.mkdir('e', 0o755), { code: 'EROFS' })
  t.throws(() => ov.unlink('f'), { code: 'EROFS' })
  t.throws(() => ov.rmdir('d'), { code: 'EROFS' })
  await t.rejects(ov.openForWrite('f'), { code: 'EROFS' })
  await t.rejects(ov.setattr('f', { mode: 0o600 }), { code: 'EROFS' })
  await t.rejects(ov.rename('f', 'g'), { code: 'EROFS' })
  await t.rejects(ov.setxattr('f', 'user.a', Buffer.from('b')), { code: 'EROFS' })
  t.equal(readFileSync(ov.openForRead('f'), 'utf8'), 'x')
})

t.test('paths from outside are checked', async (t) => {
  const { ov } = stack(t, [[file('f', 'x')]])
  t.throws(() => ov.lookup('../etc/passwd'), { code: 'EINVAL', syscall: 'lookup' })
  t.throws(() => ov.create('a/../../x', 0o644), { code: 'EINVAL' })
  t.throws(() => ov.create('n'.repeat(256), 0o644), { code: 'ENAMETOOLONG' })
  t.throws(() => ov.create('nul\0byte', 0o644), { code: 'EINVAL' })
  t.equal(ov.lookup('./f/').path, 'f', 'empty and . components are dropped')
  t.throws(() => ov.lookup('f/x'), { code: 'ENOTDIR', syscall: 'lookup' })
  t.throws(() => ov.rmdir(''), { code: 'EBUSY' })
})

t.test('a lower symlink to / is never followed, wherever it sits', async (t) => {
  const { ov } = stack(t, [[symlink('etc', '/')], [dir('etc'), file('etc/hosts', 'layer')]])
  t.ok(ov.lookup('etc').stat.isSymbolicLink())
  t.throws(() => ov.lookup('etc/passwd'), { code: 'ENOTDIR' })
  t.throws(() => ov.create('etc/strata-canary', 0o644), { code: 'ENOTDIR' })
  await t.rejects(ov.openForWrite('etc'), { code: 'ELOOP' })
  t.equal(ov.readlink('etc'), '/')
})

t.test('concurrent copy-ups of one file make one copy and leave nothing in work/', async (t) => {
  const data = Buffer.alloc(8 * 1024 * 1024, 7)
  const { ov, base } = stack(t, [[file('big', data, { mode: 0o640, uid: 12, gid: 34 })]])
  const paths = await Promise.all(Array.from({ length: 5 }, () => ov.openForWrite('big')))
  t.same(new Set(paths).size, 1)
  t.ok(readFileSync(paths[0] as string).equals(data))
  t.match(lstatSync(paths[0] as string), { uid: 12, gid: 34, mode: 0o100640 })
  t.same(readdirSync(`${base}/work`), [])
})

t.test('a copy-up made for an open hands over its descriptor; waiters on it get none', async (t) => {
  const xattrs = { 'user.k': 'v' }
  const { ov, base } = stack(t, [[file('f', 'data', { mode: 0o4751, uid: 5, gid: 6, xattrs })]])
  const [first, second] = await Promise.all([ov.openForWriteFd('f'), ov.openForWriteFd('f')])
  t.not(first.fd, null, 'the call that copied gets the copy open')
  t.equal(second.fd, null, 'the one that waited for it does not')
  t.equal(first.upper, second.upper)
  const st = lstatSync(first.upper, { bigint: true })
  t.match(st, { uid: 5n, gid: 6n, mode: 0o104751n }, 'owner first, then mode: setuid survives')
  t.equal(st.mtimeNs, FIXTURE_TIME, 'times set last, to the nanosecond')
  t.equal(lgetxattr(first.upper, 'user.k').toString(), 'v')
  const fd = first.fd as number
  writeSync(fd, 'DATA', 0)
  closeSync(fd)
  t.equal(readFileSync(first.upper, 'utf8'), 'DATA', 'the descriptor is the file now at the name')
  t.same(readdirSync(`${base}/work`), [])
  const again = await ov.openForWriteFd('f')
  t.equal(again.fd, null, 'no copy-up, no descriptor')
})

t.test("issue 15: copy-up keeps a sparse file's holes; a small one is copied whole", async (t) => {
  const { ov, base } = stack(t, [[file('holey'), file('small')]])
  const size = 512 * 1024 * 1024
  for (const [name, len] of [
    ['holey', size],
    ['small', 60_000],
  ] as const) {
    const fd = openSync(`${base}/l0/${name}`, 'r+')
    ftruncateSync(fd, len)
    writeSync(fd, 'tail\n', len - 5)
    closeSync(fd)
  }
  const path = await ov.openForWrite('holey')
  const st = lstatSync(path)
  t.equal(st.size, size)
  t.ok(st.blocks * 512 <= 64 * 1024, `upper copy allocates ${st.blocks * 512} bytes, want at most 64 KiB`)
  const fd = openSync(path, 'r')
  const tail = Buffer.alloc(5)
  const head = Buffer.alloc(4096, 1)
  readSyncAt(fd, tail, size - 5)
  readSyncAt(fd, head, 0)
  closeSync(fd)
  t.equal(tail.toString(), 'tail\n')
  t.ok(head.equals(Buffer.alloc(4096)), 'the hole reads as zeros')
  const small = await ov.openForWrite('small')
  t.equal(readFileSync(small).subarray(-5).toString(), 'tail\n')
  t.same(readdirSync(`${base}/work`), [])
})

function readSyncAt(fd: number, b: Buffer, at: number): void {
  for (let n = 0; n < b.length;) {
    const got = readSync(fd, b, n, b.length - n, at + n)
    if (got === 0) throw new Error(`the file ends before ${at + b.length}`)
    n += got
  }
}

t.test('the opaque mark follows the xattr namespace', async (t) => {
  const base = tmpdir(t, 'strata-engine-')
  for (const d of ['l0', 'upper', 'work']) mkdirSync(`${base}/${d}`)
  writeFileSync(`${base}/l0/f`, 'x')
  mkdirSync(`${base}/l0/d`)
  writeFileSync(`${base}/l0/d/x`, 'x')
  const ov = new Overlay({
    lowers: [`${base}/l0`],
    upper: `${base}/upper`,
    work: `${base}/work`,
    xattrNamespace: 'user',
  })
  ov.unlink('d/x')
  ov.rmdir('d')
  ov.mkdir('d', 0o755)
  const { lgetxattr } = await import('../../../native-bindings/index.js')
  t.equal(lgetxattr(`${base}/upper/d`, 'user.overlay.opaque').toString(), 'y')
  t.same(ov.readdir('d'), [])
  t.same(ov.listxattr('d'), [], 'the mark is private')
})

t.test('statfs reports the upper filesystem, or the top lower when read-only', async (t) => {
  const { ov, base } = stack(t, [[file('f')]])
  const { statfsSync } = await import('node:fs')
  t.equal(ov.statfs().bsize, statfsSync(`${base}/upper`).bsize)
  t.equal(ov.statfs().type, statfsSync(`${base}/upper`).type)
  const ro = stack(t, [[file('f')]], false)
  t.equal(ro.ov.statfs().type, statfsSync(`${ro.base}/l0`).type)
})
