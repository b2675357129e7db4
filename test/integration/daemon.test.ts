/**
 * stratad as a process: start on defaults-like flags, one daemon per root and per socket,
 * bad configuration, SIGTERM, systemd socket activation, and 200 clients at once.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { StrataClient } from '../../client/client.js'
import { collect, exitOf, startDaemon, STRATAD } from '../helpers/daemon.js'
import { tmpdir } from '../helpers/tmpdir.js'

t.test('a fresh root: info, version, socket mode, pid file; SIGTERM exits cleanly', async (t) => {
  const d = await startDaemon(t)
  const c = await d.connect()
  const info = await c.call('system.info', {})
  t.match(info, { root: d.root, socket: d.socket, pid: d.proc.pid, counts: { mounts: 0 }, connections: 1 })
  t.match(await c.call('system.version', {}), { protocol: 1, os: 'linux' })
  t.same(await c.call('system.ping', {}), { pong: true })
  c.close()
  t.equal(statSync(d.socket).mode & 0o777, 0o660)
  t.ok(existsSync(join(d.root, 'db')), 'LevelDB lives in the data root')
  t.ok(existsSync(join(d.root, 'stratad.pid')))
  t.equal(await d.stop('SIGTERM'), 0)
  t.notOk(existsSync(join(d.root, 'stratad.pid')), 'the pid file goes with the daemon')
  t.ok(d.logs.some((l) => l.includes('"msg":"stopped"')))
})

t.test('a second daemon on the same root, or on a live socket, refuses to start', async (t) => {
  const d = await startDaemon(t)
  const run = (args: string[]) => {
    const p = spawn(process.execPath, [STRATAD, ...args], { stdio: ['ignore', 'ignore', 'pipe'] })
    const logs = collect(p)
    return exitOf(p).then((code) => ({ code, logs: logs.join('\n') }))
  }
  writeFileSync(join(d.root, 'tmp', 'staging-in-use'), '')
  const sameRoot = await run(['--root', d.root, '--socket', join(tmpdir(t), 'other.sock')])
  t.equal(sameRoot.code, 1)
  t.match(sameRoot.logs, `data root ${d.root} is in use by another stratad (pid ${d.proc.pid})`)
  t.ok(existsSync(join(d.root, 'tmp', 'staging-in-use')), "the refused daemon left the first one's staging alone")
  const sameSocket = await run(['--root', join(tmpdir(t), 'root2'), '--socket', d.socket])
  t.equal(sameSocket.code, 1)
  t.match(sameSocket.logs, `another daemon is listening on ${d.socket}`)
  const c = await d.connect()
  t.same(await c.call('system.ping', {}), { pong: true }, 'the first daemon is unharmed')
  c.close()
})

t.test('bad configuration exits with status 2 and says what is wrong', async (t) => {
  const p = spawn(process.execPath, [STRATAD, '--log-level', 'chatty'], { stdio: ['ignore', 'ignore', 'pipe'] })
  const logs = collect(p)
  t.equal(await exitOf(p), 2)
  t.match(logs.join('\n'), /logLevel: "chatty" is not one of/)
})

t.test('a stale socket file from a crash is replaced', async (t) => {
  const first = await startDaemon(t)
  await first.stop('SIGKILL')
  const second = await startDaemon(t, { root: join(tmpdir(t), 'r2'), socket: first.socket })
  const c = await second.connect()
  t.equal((await c.call('system.info', {})).pid, second.proc.pid)
  c.close()
})

t.test('systemd socket activation: the daemon serves the socket it is handed as fd 3', async (t) => {
  const dir = tmpdir(t)
  const path = join(dir, 'activated.sock')
  // As systemd does: bind and listen, put the socket on fd 3, set LISTEN_PID to the pid that
  // will run the daemon, then exec it (python, since it can exec with fd 3 prepared).
  const py = [
    'import os, socket, sys',
    's = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)',
    's.bind(sys.argv[1]); s.listen(64)',
    'os.dup2(s.fileno(), 3); os.set_inheritable(3, True)',
    'os.environ.update(LISTEN_PID=str(os.getpid()), LISTEN_FDS="1")',
    'os.execv(sys.argv[2], sys.argv[2:])',
  ].join('\n')
  const args = [STRATAD, '--root', join(dir, 'root'), '--socket', '/nonexistent/s.sock']
  const p = spawn('python3', ['-c', py, path, process.execPath, ...args], { stdio: ['ignore', 'ignore', 'pipe'] })
  const logs = collect(p)
  t.teardown(async () => {
    p.kill('SIGTERM')
    await exitOf(p)
  })
  let c: StrataClient | undefined
  for (let i = 0; i < 200 && !c; i++) {
    c = await StrataClient.connect({ socket: path }).catch(() => undefined)
    if (!c) await new Promise((r) => setTimeout(r, 50))
  }
  t.ok(c, `connected through the handed-over socket: ${logs.join('\n')}`)
  t.same(await c?.call('system.ping', {}), { pong: true })
  c?.close()
  t.ok(logs.some((l) => l.includes('"socket":"systemd"')))
  t.notOk(existsSync('/nonexistent/s.sock'))
})

t.test('load: 200 clients, 50 calls each, all answered correctly', async (t) => {
  const d = await startDaemon(t)
  const clients = await Promise.all(Array.from({ length: 200 }, () => d.connect()))
  t.teardown(() => clients.forEach((c) => c.close()))
  const started = process.hrtime.bigint()
  const results = await Promise.all(
    clients.map(async (c, i) => {
      let ok = 0
      for (let j = 0; j < 50; j++) {
        const r = j % 10 === 0 ? await c.call('system.info', {}) : await c.call('system.ping', {})
        if (j % 10 === 0 ? (r as { pid: number }).pid === d.proc.pid : (r as { pong: boolean }).pong === true) ok++
      }
      return ok + i * 0
    }),
  )
  const ms = Number(process.hrtime.bigint() - started) / 1e6
  t.equal(
    results.reduce((a, b) => a + b, 0),
    10_000,
    'every call answered correctly',
  )
  t.comment(`200 clients x 50 calls: ${ms.toFixed(0)} ms, ${((10_000 / ms) * 1000).toFixed(0)} calls/s`)
  t.ok(ms < 60_000, 'bounded in time (a generous bound: a hang, not a speed test)')
})

t.test('the data root is created with its directories', async (t) => {
  const base = tmpdir(t)
  mkdirSync(join(base, 'run'))
  const d = await startDaemon(t, { root: join(base, 'deep', 'root') })
  for (const sub of ['db', 'mounts', 'tmp']) t.ok(statSync(join(d.root, sub)).isDirectory(), sub)
})
