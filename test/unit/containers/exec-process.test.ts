/**
 * An exec's process.json: the container's process with the command, env, working directory,
 * user and terminal asked for put over it; bad asks refused; the file written and removed, and
 * the leftovers of a dead daemon cleared (and nothing else).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { execProcessSpec, removeExecLeftovers, writeExecProcess } from '../../../daemon/containers/exec-process.js'

const BASE = {
  terminal: true,
  consoleSize: { height: 10, width: 20 },
  user: { uid: 1000, gid: 1000, additionalGids: [50] },
  args: ['sh'],
  env: ['PATH=/bin', 'A=1'],
  cwd: '/home',
  capabilities: { bounding: ['CAP_KILL'] },
  noNewPrivileges: false,
}

t.test('the container’s process with the exec’s asks over it', async (t) => {
  const plain = execProcessSpec(BASE, { cmd: ['ls', '-l'] })
  const { consoleSize: _runSize, ...noSize } = BASE
  t.same(plain, { ...noSize, args: ['ls', '-l'], terminal: false }, 'no terminal, no size')
  const tty = execProcessSpec(BASE, {
    cmd: ['sh'],
    env: ['B=2'],
    workdir: '/tmp',
    user: { uid: 5, gid: 6, additionalGids: [], home: '/' },
    terminal: { rows: 33, cols: 101 },
  })
  t.match(tty, {
    args: ['sh'],
    env: ['PATH=/bin', 'A=1', 'TERM=xterm', 'B=2'],
    cwd: '/tmp',
    user: { uid: 5, gid: 6, additionalGids: [] },
    terminal: true,
    consoleSize: { height: 33, width: 101 },
    capabilities: BASE.capabilities,
  })
  t.notOk('home' in (tty.user as object), 'only the OCI user fields')
  const ownTerm = execProcessSpec(BASE, { cmd: ['sh'], env: ['TERM=vt100'], terminal: { rows: 1, cols: 1 } })
  t.same(ownTerm.env, ['PATH=/bin', 'A=1', 'TERM=vt100'], 'a TERM asked for is kept')
})

t.test('bad asks are INVALID_ARGUMENT', async (t) => {
  t.throws(() => execProcessSpec(BASE, { cmd: [] }), { code: 'INVALID_ARGUMENT', message: /No command specified/ })
  t.throws(() => execProcessSpec(BASE, { cmd: ['ls'], workdir: 'tmp' }), {
    code: 'INVALID_ARGUMENT',
    message: /working directory 'tmp' is invalid/,
  })
})

t.test('written into the bundle, removed after; a dead daemon’s leftovers cleared', async (t) => {
  const bundle = mkdtempSync(join(tmpdir(), 'exec-process-'))
  t.teardown(() => rmSync(bundle, { recursive: true, force: true }))
  writeFileSync(join(bundle, 'config.json'), JSON.stringify({ ociVersion: '1.0.2', process: BASE }))
  const f = writeExecProcess(bundle, { cmd: ['true'] })
  t.match(JSON.parse(readFileSync(f.path, 'utf8')), { args: ['true'], cwd: '/home', terminal: false })
  f.remove()
  t.notOk(existsSync(f.path))
  f.remove()
  const left = writeExecProcess(bundle, { cmd: ['true'] })
  writeFileSync(join(bundle, 'exec-notes.txt'), 'not ours')
  removeExecLeftovers(bundle)
  t.notOk(existsSync(left.path), 'a leftover removed')
  t.same(readdirSync(bundle).sort(), ['config.json', 'exec-notes.txt'], 'nothing else')
  removeExecLeftovers(join(bundle, 'missing'))
})
