/**
 * The addon's argument readers (native-bindings/src/napi-util.c), called on the raw addon so the
 * TypeScript wrapper's own defaults and types do not hide them.
 */
import t from 'tap'
import { createRequire } from 'node:module'
import { lstatSync } from 'node:fs'
import { join } from 'node:path'
import { constants } from '../../../native-bindings/index.js'
import { tmpdir } from '../../helpers/tmpdir.js'

type Fn = (...args: unknown[]) => unknown
const addon = createRequire(import.meta.url)(
  new URL('../../../../native-bindings/build/Release/strata_native.node', import.meta.url).pathname,
) as Record<string, Fn>

t.test('a missing or mistyped argument is a TypeError naming it', async (t) => {
  const dir = tmpdir(t)
  const path = join(dir, 'p')
  t.throws(() => addon.mknodat?.(constants.AT_FDCWD, path, constants.S_IFIFO | 0o600, 0), {
    name: 'TypeError',
    message: 'argument 4 must be a number',
  })
  t.throws(() => addon.mknodat?.(constants.AT_FDCWD, path, '0', 0, 0), { message: 'argument 2 must be a number' })
  t.throws(() => addon.mknodat?.(constants.AT_FDCWD, 42, 0, 0, 0), { message: 'path argument must be a string' })
  t.throws(() => addon.mknodat?.(1.5, path, 0, 0, 0), { message: 'integer argument out of range' })
  t.throws(() => addon.mknodat?.(constants.AT_FDCWD, path, -1, 0, 0), {
    message: 'unsigned integer argument out of range',
  })
  t.throws(() => addon.lsetxattr?.(path, 'user.x', 'not a buffer', 0), { message: 'argument must be a Buffer' })
  t.throws(() => addon.startFuseReader?.(-1, 1, 4096, 'not a function'), { message: 'onBatch must be a function' })
  t.throws(() => lstatSync(path), { code: 'ENOENT' }, 'nothing was made')
})

t.test('a path longer than PATH_MAX is ENAMETOOLONG before any syscall', async (t) => {
  t.throws(() => addon.mknodat?.(constants.AT_FDCWD, `/${'x'.repeat(5000)}`, 0, 0, 0), {
    code: 'ENAMETOOLONG',
    syscall: 'path',
  })
})

t.test('extra arguments are ignored; seven (utimensat) are read', async (t) => {
  const dir = tmpdir(t)
  const path = join(dir, 'p')
  addon.mknodat?.(constants.AT_FDCWD, path, constants.S_IFIFO | 0o600, 0, 0, 'extra', 1, 2, 3, 4, 5, 6)
  t.ok(lstatSync(path).isFIFO())
  addon.utimensat?.(constants.AT_FDCWD, path, 1, 0, 1_600_000_000, 5, constants.AT_SYMLINK_NOFOLLOW, 'extra')
  const st = lstatSync(path, { bigint: true })
  t.equal(st.mtimeNs, 1_600_000_000_000_000_005n)
  t.equal(st.atimeNs, 1_000_000_000n)
})
