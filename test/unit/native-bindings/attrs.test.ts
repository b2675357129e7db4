import t from 'tap'
import { closeSync, lstatSync, openSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { constants, fchownat, utimensat } from '../../../native-bindings/index.js'
import { tmpdir } from '../../helpers/tmpdir.js'

const CWD = constants.AT_FDCWD
const T1 = 1_000_000_000_123_456_789n // 2001-09-09, odd nanoseconds
const T2 = 1_500_000_000_987_654_321n

t.test('utimensat keeps nanoseconds for atime and mtime separately', async (t) => {
  const f = join(tmpdir(t), 'f')
  writeFileSync(f, 'x')
  utimensat(CWD, f, T1, T2)
  const st = lstatSync(f, { bigint: true })
  t.equal(st.atimeNs, T1)
  t.equal(st.mtimeNs, T2)
})

t.test('UTIME_OMIT leaves a time alone, UTIME_NOW sets it to now', async (t) => {
  const f = join(tmpdir(t), 'f')
  writeFileSync(f, 'x')
  utimensat(CWD, f, T1, T2)
  utimensat(CWD, f, 'omit', T1)
  let st = lstatSync(f, { bigint: true })
  t.equal(st.atimeNs, T1)
  t.equal(st.mtimeNs, T1)
  const before = BigInt(Date.now() - 5000) * 1_000_000n
  utimensat(CWD, f, 'now', 'omit')
  st = lstatSync(f, { bigint: true })
  t.ok(st.atimeNs > before, 'atime is now')
  t.equal(st.mtimeNs, T1)
})

t.test('pre-epoch times round-trip', async (t) => {
  const f = join(tmpdir(t), 'f')
  writeFileSync(f, 'x')
  utimensat(CWD, f, -1_500_000_001n, -1n)
  const st = lstatSync(f, { bigint: true })
  t.equal(st.atimeNs, -1_500_000_001n)
  t.equal(st.mtimeNs, -1n)
})

t.test('AT_SYMLINK_NOFOLLOW sets times and owner of the link itself', async (t) => {
  const dir = tmpdir(t)
  writeFileSync(join(dir, 'target'), 'x')
  symlinkSync('target', join(dir, 'link'))
  const targetBefore = lstatSync(join(dir, 'target'), { bigint: true })
  utimensat(CWD, join(dir, 'link'), T1, T2, constants.AT_SYMLINK_NOFOLLOW)
  fchownat(CWD, join(dir, 'link'), 1234, 5678, constants.AT_SYMLINK_NOFOLLOW)
  const link = lstatSync(join(dir, 'link'), { bigint: true })
  t.equal(link.mtimeNs, T2)
  t.equal(link.uid, 1234n)
  t.equal(link.gid, 5678n)
  const target = lstatSync(join(dir, 'target'), { bigint: true })
  t.equal(target.mtimeNs, targetBefore.mtimeNs)
  t.equal(target.uid, 0n)
})

t.test('an fd with an empty path (futimens) and errors', async (t) => {
  const f = join(tmpdir(t), 'f')
  writeFileSync(f, 'x')
  const fd = openSync(f, 'r+')
  t.teardown(() => closeSync(fd))
  utimensat(fd, '', T2, T1)
  t.equal(lstatSync(f, { bigint: true }).mtimeNs, T1)
  fchownat(CWD, f, -1, 42)
  t.equal(lstatSync(f).uid, 0)
  t.equal(lstatSync(f).gid, 42)
  t.throws(() => utimensat(CWD, f + '.missing', T1, T1), { code: 'ENOENT', syscall: 'utimensat' })
  t.throws(() => fchownat(CWD, f + '.missing', 0, 0), { code: 'ENOENT', syscall: 'fchownat' })
})
