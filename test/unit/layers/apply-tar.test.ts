/**
 * Applying layer tars built byte by byte: the overlay-format result, exact re-export, and every
 * kind of hostile or broken archive refused with nothing written outside the staging dir.
 */
import { createHash } from 'node:crypto'
import { lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { lgetxattr, lgetxattrIfAny } from '../../../native-bindings/index.js'
import { applyTar } from '../../../daemon/layers/apply-tar.js'
import { exportTar } from '../../../daemon/layers/export-tar.js'
import { readSplit, SplitRecorder } from '../../../daemon/tar/tar-split.js'
import { chunks, header, padTo512, paxRecords, tar, type Item } from '../../helpers/tar-builder.js'
import { tmpdir } from '../../helpers/tmpdir.js'

const LIMITS = { maxBytes: 64 * 1024 * 1024, maxEntries: 10_000 }
const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`

async function apply(t: Test, archive: Buffer, limits = LIMITS) {
  const base = tmpdir(t, 'strata-apply-')
  const dir = join(base, 'diff')
  mkdirSync(dir)
  const split = new SplitRecorder()
  const summary = await applyTar(dir, chunks(archive, 777), limits, split)
  return { dir, base, summary, split: split.finish() }
}

async function exported(dir: string, split: Buffer): Promise<Buffer> {
  const parts: Buffer[] = []
  for await (const b of exportTar(dir, readSplit(split))) parts.push(b)
  return Buffer.concat(parts)
}

const mode = (p: string) => lstatSync(p).mode & 0o7777

t.test('entries become an overlay-format layer with their metadata', async (t) => {
  const cap = Buffer.from('0100000200200000000000000000000000000000', 'hex')
  const archive = tar([
    { file: 'etc/hosts', body: 'localhost\n', mode: 0o640, uid: 1000, gid: 1001, mtime: 1_600_000_000 },
    { dir: 'etc/', mode: 0o750, uid: 5, mtime: 1_500_000_000 },
    { symlink: 'etc/link', to: '/absolute/elsewhere' },
    { link: 'etc/hard', to: 'etc/hosts' },
    { fifo: 'run/fifo' },
    { char: 'dev/null', major: 1, minor: 3 },
    { file: '.wh.gone', body: '' },
    { file: 'var/.wh..wh..opq' },
    { file: 'var/kept', body: 'k' },
    {
      file: 'bin/ping',
      body: 'elf',
      mode: 0o4755,
      pax: { 'SCHILY.xattr.security.capability': cap, 'SCHILY.xattr.user.note': 'hi', mtime: '1700000000.123456789' },
    },
    { file: 'x', pax: { 'SCHILY.xattr.trusted.overlay.opaque': 'y' } },
  ])
  const { dir, summary } = await apply(t, archive)
  t.equal(summary.diffId, sha256(archive))
  t.equal(summary.entries, 11)
  t.equal(readFileSync(join(dir, 'etc/hosts'), 'utf8'), 'localhost\n')
  t.match(lstatSync(join(dir, 'etc/hosts')), { uid: 1000, gid: 1001, mtimeMs: 1_600_000_000_000 })
  t.equal(mode(join(dir, 'etc/hosts')), 0o640)
  t.equal(mode(join(dir, 'etc')), 0o750, 'directory metadata applied after its entries')
  t.match(lstatSync(join(dir, 'etc')), { uid: 5, mtimeMs: 1_500_000_000_000 })
  t.equal(readlinkSync(join(dir, 'etc/link')), '/absolute/elsewhere')
  t.equal(statSync(join(dir, 'etc/hard')).ino, statSync(join(dir, 'etc/hosts')).ino)
  t.ok(lstatSync(join(dir, 'run/fifo')).isFIFO())
  t.equal(mode(join(dir, 'run')), 0o755, 'implicit parent: 0755')
  t.match(lstatSync(join(dir, 'run')), { uid: 0, gid: 0 })
  t.equal(lstatSync(join(dir, 'dev/null')).rdev, lstatSync('/dev/null').rdev)
  const wh = lstatSync(join(dir, 'gone'))
  t.ok(wh.isCharacterDevice() && wh.rdev === 0, '.wh.gone is a 0/0 whiteout')
  t.notOk(readdirSync(dir).includes('.wh.gone'))
  t.equal(lgetxattr(join(dir, 'var'), 'trusted.overlay.opaque').toString(), 'y')
  t.notOk(readdirSync(join(dir, 'var')).includes('.wh..wh..opq'))
  t.equal(mode(join(dir, 'bin/ping')), 0o4755, 'setuid survives chown')
  t.same(lgetxattr(join(dir, 'bin/ping'), 'security.capability'), cap)
  t.equal(lgetxattr(join(dir, 'bin/ping'), 'user.note').toString(), 'hi')
  t.equal(lstatSync(join(dir, 'bin/ping'), { bigint: true }).mtimeNs, 1_700_000_000_123_456_789n)
  t.equal(lgetxattrIfAny(join(dir, 'x'), 'trusted.overlay.opaque'), null, 'a tar cannot forge overlay metadata')
  t.equal(lgetxattr(join(dir, 'x'), 'trusted.overlay.overlay.opaque').toString(), 'y', 'it is stored escaped')
})

t.test('the opaque marker works wherever it sits; later entries replace earlier ones', async (t) => {
  const before = await apply(t, tar([{ file: 'd/.wh..wh..opq' }, { file: 'd/a', body: '1' }]))
  const after = await apply(t, tar([{ file: 'd/a', body: '1' }, { file: 'd/.wh..wh..opq' }]))
  for (const { dir } of [before, after]) {
    t.equal(lgetxattr(join(dir, 'd'), 'trusted.overlay.opaque').toString(), 'y')
    t.same(readdirSync(join(dir, 'd')), ['a'])
  }
  const { dir } = await apply(
    t,
    tar([
      { file: '.wh.dir' },
      { dir: 'dir' },
      { file: 'dir/new', body: 'n' },
      { file: 'f', body: 'first' },
      { file: '.wh.f' },
      { file: 'g', body: 'one' },
      { file: 'g', body: 'two' },
      { dir: 'h' },
      { file: 'h/inner', body: 'i' },
      { file: 'h', body: 'now a file' },
    ]),
  )
  t.equal(
    lgetxattr(join(dir, 'dir'), 'trusted.overlay.opaque').toString(),
    'y',
    'a directory replacing a deleted one is opaque',
  )
  t.ok(lstatSync(join(dir, 'f')).isCharacterDevice(), 'a whiteout after a file wins')
  t.equal(readFileSync(join(dir, 'g'), 'utf8'), 'two')
  t.equal(readFileSync(join(dir, 'h'), 'utf8'), 'now a file')
})

t.test('export gives back the exact bytes, whatever the archive held', async (t) => {
  const longName = `${'deep/'.repeat(40)}file-with-a-long-name`
  const gnuLong = Buffer.from(`${'g'.repeat(150)}/name\0`)
  const archives: Array<[string, Buffer]> = [
    [
      'plain',
      tar([
        { dir: 'a/' },
        { file: 'a/b', body: 'x'.repeat(5000) },
        { symlink: 'a/c', to: 'b' },
        { link: 'a/d', to: 'a/b' },
      ]),
    ],
    [
      'overwritten paths',
      tar([
        { file: 'p', body: 'old content' },
        { link: 'q', to: 'p' },
        { file: 'p', body: 'new' },
        { dir: 'r' },
        { file: 'r/s', body: 's' },
        { file: 'r', body: 'file now' },
      ]),
    ],
    [
      'whiteout with a body',
      tar([
        { file: '.wh.x', body: 'odd but legal' },
        { file: 'y/.wh..wh..opq', body: 'also odd' },
      ]),
    ],
    ['PAX long names and times', tar([{ file: 'short', body: 'L', pax: { path: longName, mtime: '1.5' } }])],
    [
      'GNU long name',
      Buffer.concat([
        header({ name: '././@LongLink', type: 'L', size: gnuLong.length, gnu: true }),
        padTo512(gnuLong),
        header({ name: 'cut', size: 1, gnu: true }),
        padTo512(Buffer.from('z')),
        Buffer.alloc(1024),
      ]),
    ],
    [
      'ustar prefix',
      Buffer.concat([
        header({ name: 'leaf', prefix: 'some/prefix', size: 2 }),
        padTo512(Buffer.from('pp')),
        Buffer.alloc(1024),
      ]),
    ],
    ['record padding after the end', tar([{ file: 'f', body: 'f' }], { trailer: Buffer.alloc(10240 - 2048) })],
    [
      'base-256 uid',
      Buffer.concat([header({ name: 'big-uid', uid: 3_000_000_000, base256Uid: true }), Buffer.alloc(1024)]),
    ],
  ]
  for (const [name, archive] of archives) {
    const { dir, split, summary } = await apply(t, archive)
    const back = await exported(dir, split)
    t.equal(back.length, archive.length, `${name}: same length`)
    t.ok(back.equals(archive), `${name}: same bytes`)
    t.equal(summary.diffId, sha256(back), `${name}: same diffID`)
  }
})

t.test('hostile and broken archives are refused and write nothing outside', async (t) => {
  const cases: Array<[string, Buffer, RegExp]> = [
    ['absolute name', tar([{ file: '/etc/passwd', body: 'x' }]), /absolute path/],
    ['dot-dot', tar([{ file: 'a/../../escape', body: 'x' }]), /contains \.\./],
    ['PAX path with dot-dot', tar([{ file: 'ok', body: 'x', pax: { path: '../escape' } }]), /contains \.\./],
    [
      'write through its own symlink',
      tar([
        { symlink: 'evil', to: '/tmp' },
        { file: 'evil/planted', body: 'x' },
      ]),
      /not a directory in this layer/,
    ],
    [
      'symlink to a parent dir',
      tar([
        { symlink: 'up', to: '..' },
        { file: 'up/planted', body: 'x' },
      ]),
      /not a directory in this layer/,
    ],
    ['hard link out', tar([{ link: 'l', to: '../../etc/passwd' }]), /contains \.\./],
    ['hard link absolute', tar([{ link: 'l', to: '/etc/passwd' }]), /absolute path/],
    ['hard link to missing target', tar([{ link: 'l', to: 'nothing' }]), /missing target/],
    [
      'hard link through a symlink',
      tar([
        { symlink: 's', to: '/etc' },
        { link: 'l', to: 's/passwd' },
      ]),
      /outside the layer or missing/,
    ],
    ['whiteout of .', tar([{ file: 'a/.wh..' }]), /must name an entry/],
    ['whiteout of ..', tar([{ file: 'a/.wh...' }]), /must name an entry/],
    ['empty whiteout', tar([{ file: '.wh.' }]), /must name an entry/],
    ['0/0 char device', tar([{ char: 'c', major: 0, minor: 0 }]), /whiteout/],
    [
      'truncated in a body',
      tar([{ file: 'f', body: 'x'.repeat(3000) }]).subarray(0, 1500),
      /truncated archive: it ends inside the body of f/,
    ],
    ['truncated in a header', tar([{ file: 'f', body: 'x' }]).subarray(0, 1100), /truncated archive/],
    ['no end-of-archive marker', tar([{ file: 'f', body: 'x' }], { end: false }), /no end-of-archive marker/],
    ['bad checksum', Buffer.concat([header({ name: 'f', badChecksum: true }), Buffer.alloc(1024)]), /checksum/],
    ['not a tar', Buffer.from('hello world, this is not a tar archive'.repeat(20)), /truncated|checksum/],
    [
      'unknown entry type',
      Buffer.concat([header({ name: 'f', type: 'Q' }), Buffer.alloc(1024)]),
      /unsupported tar entry type/,
    ],
    [
      'sparse map with overlapping segments',
      tar([{ file: 'f', body: 'x'.repeat(10), pax: { 'GNU.sparse.map': '0,5,2,5', 'GNU.sparse.size': '100' } }]),
      /overlap/,
    ],
    [
      'sparse map that does not add up to the body',
      tar([{ file: 'f', body: 'x'.repeat(10), pax: { 'GNU.sparse.map': '0,5', 'GNU.sparse.size': '100' } }]),
      /lists 5 bytes, the entry holds 10/,
    ],
    [
      'sparse map past the real size',
      tar([{ file: 'f', body: 'x'.repeat(10), pax: { 'GNU.sparse.map': '95,10', 'GNU.sparse.size': '100' } }]),
      /past the file's size/,
    ],
    [
      'sparse 1.0 map running past its entry',
      tar([
        {
          file: 'f',
          body: '9\n1\n',
          pax: { 'GNU.sparse.major': '1', 'GNU.sparse.minor': '0', 'GNU.sparse.realsize': '9' },
        },
      ]),
      /sparse map runs past/,
    ],
    ['sparse format 0.0', tar([{ file: 'f', pax: { 'GNU.sparse.offset': '0' } }]), /sparse format 0\.0/],
    [
      'malformed PAX',
      tar([
        { raw: Buffer.concat([header({ name: 'p', type: 'x', size: 10 }), padTo512(Buffer.from('99 path=x\n'))]) },
        { file: 'f' },
      ]),
      /PAX record/,
    ],
    [
      'bad octal',
      Buffer.concat([
        (() => {
          const h = header({ name: 'f' })
          h.write('12x', 124, 'latin1')
          return header({ name: 'f' }).fill(h, 0, 148)
        })(),
        Buffer.alloc(1024),
      ]),
      /checksum|bad size/,
    ],
  ]
  for (const [name, archive, why] of cases) {
    const outside = tmpdir(t, 'strata-outside-')
    await t.rejects(apply(t, archive), { name: 'TarError', message: why }, name)
    t.same(readdirSync(outside), [], `${name}: nothing outside`)
  }
})

t.test('limits stop decompression bombs', async (t) => {
  const big = tar([{ file: 'zeros', body: Buffer.alloc(200_000) }])
  await t.rejects(apply(t, big, { maxBytes: 100_000, maxEntries: 10 }), {
    name: 'TarError',
    message: /larger than the limit/,
  })
  const many = tar(Array.from({ length: 20 }, (_, i) => ({ file: `f${i}`, body: '' }) as Item))
  await t.rejects(apply(t, many, { maxBytes: 1e9, maxEntries: 10 }), {
    name: 'TarError',
    message: /more than 10 entries/,
  })
})

t.test('a PAX record builder sanity check', async (t) => {
  t.equal(paxRecords({ path: 'a' }).toString(), '9 path=a\n')
})
