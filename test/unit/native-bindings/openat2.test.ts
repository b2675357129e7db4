import t from 'tap'
import { closeSync, mkdirSync, openSync, readSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { constants, openat2 } from '../../../native-bindings/index.js'
import { tmpdir } from '../../helpers/tmpdir.js'

const BENEATH = constants.RESOLVE_BENEATH | constants.RESOLVE_NO_MAGICLINKS

function layer(t: Parameters<typeof tmpdir>[0]): { root: number; dir: string } {
  const dir = tmpdir(t)
  mkdirSync(join(dir, 'etc'))
  writeFileSync(join(dir, 'etc', 'hosts'), 'inside')
  symlinkSync('/', join(dir, 'escape'))
  symlinkSync('../..', join(dir, 'etc', 'up'))
  symlinkSync('hosts', join(dir, 'etc', 'rel'))
  const root = openSync(dir, constants.O_DIRECTORY)
  t.teardown(() => closeSync(root))
  return { root, dir }
}

function readAll(fd: number): string {
  const buf = Buffer.alloc(64)
  const n = readSync(fd, buf)
  closeSync(fd)
  return buf.subarray(0, n).toString()
}

t.test('opens what lies beneath the directory fd', async (t) => {
  const { root } = layer(t)
  t.equal(readAll(openat2(root, 'etc/hosts', 0, 0, BENEATH)), 'inside')
  t.equal(readAll(openat2(root, 'etc/rel', 0, 0, BENEATH)), 'inside', 'a symlink inside is fine')
})

t.test('refuses every way out', async (t) => {
  const { root } = layer(t)
  t.throws(() => openat2(root, '../x', 0, 0, BENEATH), { code: 'EXDEV', syscall: 'openat2', path: '../x' })
  t.throws(() => openat2(root, '/etc/passwd', 0, 0, BENEATH), { code: 'EXDEV' })
  t.throws(() => openat2(root, 'escape/etc/passwd', 0, 0, BENEATH), { code: 'EXDEV' })
  t.throws(() => openat2(root, 'etc/up/x', 0, 0, BENEATH), { code: 'EXDEV' })
  t.throws(() => openat2(root, 'proc/self/root', 0, 0, BENEATH), { code: 'ENOENT' })
})

t.test('RESOLVE_NO_SYMLINKS refuses any symlink, O_CREAT honours mode', async (t) => {
  const { root, dir } = layer(t)
  t.throws(() => openat2(root, 'etc/rel', 0, 0, BENEATH | constants.RESOLVE_NO_SYMLINKS), { code: 'ELOOP' })
  const fd = openat2(root, 'etc/new', 0o100 | 0o1, 0o640, BENEATH) // O_CREAT | O_WRONLY
  closeSync(fd)
  const { statSync } = await import('node:fs')
  t.equal(statSync(join(dir, 'etc', 'new')).mode & 0o777, 0o640)
})
