import t from 'tap'
import { lstatSync } from 'node:fs'
import { join } from 'node:path'
import { constants, mknodat, mkwhiteout, splitDev } from '../../../native-bindings/index.js'
import { tmpdir } from '../../helpers/tmpdir.js'

t.test('mkwhiteout makes a character device 0/0', async (t) => {
  const dir = tmpdir(t)
  mkwhiteout(constants.AT_FDCWD, join(dir, 'gone'))
  const st = lstatSync(join(dir, 'gone'))
  t.ok(st.isCharacterDevice())
  t.equal(st.rdev, 0)
})

t.test('mknodat makes fifos and devices with the given numbers', async (t) => {
  const dir = tmpdir(t)
  mknodat(constants.AT_FDCWD, join(dir, 'pipe'), constants.S_IFIFO | 0o640)
  t.ok(lstatSync(join(dir, 'pipe')).isFIFO())
  t.equal(lstatSync(join(dir, 'pipe')).mode & 0o777, 0o640 & ~process.umask())
  mknodat(constants.AT_FDCWD, join(dir, 'null'), constants.S_IFCHR | 0o666, 1, 3)
  t.equal(lstatSync(join(dir, 'null')).rdev, (1 << 8) | 3)
  mknodat(constants.AT_FDCWD, join(dir, 'blk'), constants.S_IFBLK | 0o600, 259, 70000)
  const st = lstatSync(join(dir, 'blk'))
  t.ok(st.isBlockDevice())
  // glibc's makedev: minor's low 8 bits, major's 12 bits, then minor's high bits above bit 20.
  t.equal(st.rdev, (70000 & 0xff) | (259 << 8) | ((70000 & ~0xff) << 12))
  t.same(splitDev(BigInt(st.rdev)), [259, 70000], 'splitDev undoes it')
  t.same(splitDev(0x1_0000_0000_0305n), [0x10003, 5], 'major bits above 32 stay out of the minor')
})

t.test('mknodat errors carry code, errno, syscall and path', async (t) => {
  const dir = tmpdir(t)
  const path = join(dir, 'missing', 'x')
  t.throws(() => mkwhiteout(constants.AT_FDCWD, path), { code: 'ENOENT', errno: -2, syscall: 'mknodat', path })
  mkwhiteout(constants.AT_FDCWD, join(dir, 'w'))
  t.throws(() => mkwhiteout(constants.AT_FDCWD, join(dir, 'w')), { code: 'EEXIST' })
  t.throws(() => mknodat(constants.AT_FDCWD, 'a\0b', 0), TypeError)
})
