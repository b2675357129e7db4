/**
 * Calls on backing paths (overlay/backing-fs.ts): a path longer than PATH_MAX is reached through
 * directory descriptors (none left open), and names that are not UTF-8 are listed, read and made.
 */
import t from 'tap'
import { closeSync, readdirSync } from 'node:fs'
import * as bfs from '../../../daemon/overlay/backing-fs.js'
import { decodeName } from '../../../daemon/overlay/names.js'
import { tmpdir } from '../../helpers/tmpdir.js'

const openFds = () => readdirSync('/proc/self/fd').length

t.test('a path of 6,000 bytes works for every kind of call, and no descriptor stays open', async (t) => {
  const dir = tmpdir(t, 'strata-backing-fs-')
  const before = openFds()
  let path = dir
  for (let i = 0; i < 30; i++) {
    path += `/${String.fromCharCode(97 + (i % 26)).repeat(200)}`
    bfs.mkdir(path, { mode: 0o755 })
  }
  t.ok(Buffer.byteLength(path) > 6000)
  const f = `${path}/file`
  const fd = bfs.open(f, 0o102 /* O_RDWR|O_CREAT */, 0o600)
  t.ok(fd > 0)
  t.equal(Number(bfs.lstat(f).mode & 0o777n), 0o600)
  bfs.chmod(f, 0o640)
  bfs.fchownat(f, 1000, 1000)
  bfs.utimens(f, 1_000_000_000n, 2_000_000_000n)
  const st = bfs.lstat(f)
  t.same([Number(st.mode & 0o777n), Number(st.uid), st.mtimeNs], [0o640, 1000, 2_000_000_000n])
  bfs.lsetxattr(f, 'user.k', 'v')
  t.same(bfs.llistxattr(f), ['user.k'])
  t.equal(bfs.lgetxattr(f, 'user.k').toString(), 'v')
  bfs.lremovexattr(f, 'user.k')
  t.equal(bfs.lgetxattrIfAny(f, 'user.k'), null)
  bfs.link(f, `${path}/hard`)
  bfs.symlink('target', `${path}/sym`)
  t.equal(bfs.readlink(`${path}/sym`), 'target')
  bfs.renameat2(`${path}/hard`, `${path}/moved`, 0)
  bfs.mkwhiteout(`${path}/wh`)
  t.same(bfs.readdirNames(path).sort(), ['file', 'moved', 'sym', 'wh'])
  t.ok(
    bfs
      .readdirEntries(path)
      .find((e) => e.name === 'wh')
      ?.isCharacterDevice(),
  )
  for (const n of ['moved', 'sym', 'wh']) bfs.unlink(`${path}/${n}`)
  bfs.rm(f, { force: true })
  t.equal(bfs.lstatOrNull(f), null)
  bfs.mkdir(`${path}/d`, { mode: 0o700 })
  bfs.rmdir(`${path}/d`)
  t.equal(openFds(), before + 1, 'only the file opened above')
})

t.test('names that are not UTF-8: made, listed and read back as the same bytes', async (t) => {
  const dir = tmpdir(t, 'strata-backing-fs-')
  const raw = [Buffer.from([0x80]), Buffer.from([0xff, 0xfe]), Buffer.from('ok')]
  const names = raw.map(decodeName)
  for (const n of names) bfs.mkdir(`${dir}/${n}`, { mode: 0o755 })
  t.same(readdirSync(dir, { encoding: 'buffer' }).sort(Buffer.compare), [...raw].sort(Buffer.compare))
  t.same(bfs.readdirNames(dir).sort(), [...names].sort())
  t.same(
    bfs
      .readdirEntries(dir)
      .map((e) => e.name)
      .sort(),
    [...names].sort(),
  )
  bfs.symlink(decodeName(Buffer.from([0xf0, 0x28])), `${dir}/${names[0]}/l`)
  t.equal(bfs.readlink(`${dir}/${names[0]}/l`), decodeName(Buffer.from([0xf0, 0x28])))
})

t.test('removeTree removes a tree past PATH_MAX with names of any bytes; nothing there is no error', async (t) => {
  const dir = tmpdir(t, 'strata-backing-fs-rm-')
  const top = `${dir}/top`
  let path = top
  bfs.mkdir(path, { mode: 0o755 })
  for (let i = 0; i < 25; i++) {
    path += `/${decodeName(Buffer.from([0x64, 0xff]))}${'x'.repeat(200)}`
    bfs.mkdir(path, { mode: 0o755 })
    bfs.symlink('t', `${path}/../l${i}`)
  }
  closeSync(bfs.open(`${path}/${decodeName(Buffer.from([0x80]))}`, 0o101 /* O_WRONLY|O_CREAT */, 0o600))
  const before = openFds()
  bfs.removeTree(top)
  t.equal(bfs.lstatOrNull(top), null)
  t.equal(openFds(), before, 'no descriptor left open')
  bfs.removeTree(top)
})
