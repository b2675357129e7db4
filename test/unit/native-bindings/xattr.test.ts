import t from 'tap'
import { closeSync, openSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  constants,
  fgetxattr,
  flistxattr,
  fremovexattr,
  fsetxattr,
  lgetxattr,
  llistxattr,
  lremovexattr,
  lsetxattr,
} from '../../../native-bindings/index.js'
import { tmpdir } from '../../helpers/tmpdir.js'

t.test('path variants set, get, list and remove', async (t) => {
  const f = join(tmpdir(t), 'f')
  writeFileSync(f, 'x')
  lsetxattr(f, 'user.a', 'one')
  lsetxattr(f, 'trusted.overlay.opaque', 'y')
  t.equal(lgetxattr(f, 'user.a').toString(), 'one')
  t.same(llistxattr(f).sort(), ['trusted.overlay.opaque', 'user.a'])
  lremovexattr(f, 'user.a')
  t.same(llistxattr(f), ['trusted.overlay.opaque'])
  t.throws(() => lgetxattr(f, 'user.a'), { code: 'ENODATA', syscall: 'lgetxattr', path: f })
})

t.test('XATTR_CREATE and XATTR_REPLACE', async (t) => {
  const f = join(tmpdir(t), 'f')
  writeFileSync(f, 'x')
  lsetxattr(f, 'user.a', 'one', constants.XATTR_CREATE)
  t.throws(() => lsetxattr(f, 'user.a', 'two', constants.XATTR_CREATE), { code: 'EEXIST' })
  t.throws(() => lsetxattr(f, 'user.b', 'two', constants.XATTR_REPLACE), { code: 'ENODATA' })
  lsetxattr(f, 'user.a', 'two', constants.XATTR_REPLACE)
  t.equal(lgetxattr(f, 'user.a').toString(), 'two')
})

t.test('never follows a symlink', async (t) => {
  const dir = tmpdir(t)
  const target = join(dir, 'target')
  const link = join(dir, 'link')
  writeFileSync(target, 'x')
  symlinkSync(target, link)
  lsetxattr(link, 'trusted.mark', 'on-link')
  t.same(llistxattr(target), [], 'the target is untouched')
  t.equal(lgetxattr(link, 'trusted.mark').toString(), 'on-link')
  // user.* is not allowed on symlinks at all: proof that the call reached the link itself.
  t.throws(() => lsetxattr(link, 'user.x', 'v'), { code: 'EPERM' })
})

t.test('binary and large values, empty values', async (t) => {
  const f = join(tmpdir(t), 'f')
  writeFileSync(f, 'x')
  const big = Buffer.alloc(4000, 0xab)
  big[0] = 0
  lsetxattr(f, 'user.big', big)
  t.same(lgetxattr(f, 'user.big'), big)
  lsetxattr(f, 'user.empty', Buffer.alloc(0))
  t.equal(lgetxattr(f, 'user.empty').length, 0)
})

t.test('fd variants', async (t) => {
  const f = join(tmpdir(t), 'f')
  writeFileSync(f, 'x')
  const fd = openSync(f, 'r')
  t.teardown(() => closeSync(fd))
  fsetxattr(fd, 'security.capability', Buffer.from([1, 0, 0, 2, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]))
  t.ok(flistxattr(fd).includes('security.capability'))
  t.equal(fgetxattr(fd, 'security.capability').length, 20)
  fremovexattr(fd, 'security.capability')
  t.throws(() => fgetxattr(fd, 'security.capability'), { code: 'ENODATA', syscall: 'fgetxattr' })
  t.throws(() => flistxattr(-1), { code: 'EBADF', syscall: 'flistxattr' })
})

t.test('lgetxattrIfAny: null when absent, the value when present, errors otherwise', async (t) => {
  const { lgetxattrIfAny } = await import('../../../native-bindings/index.js')
  const f = join(tmpdir(t), 'f')
  writeFileSync(f, 'x')
  t.equal(lgetxattrIfAny(f, 'user.none'), null)
  lsetxattr(f, 'user.small', 'v')
  t.equal(lgetxattrIfAny(f, 'user.small')?.toString(), 'v')
  const big = Buffer.alloc(3000, 1)
  lsetxattr(f, 'user.big', big)
  t.same(lgetxattrIfAny(f, 'user.big'), big, 'larger than the first probe')
  t.throws(() => lgetxattrIfAny(`${f}.missing`, 'user.x'), { code: 'ENOENT', syscall: 'lgetxattr' })
})
