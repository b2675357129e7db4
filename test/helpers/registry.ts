/**
 * A real registry for pull/push tests: Debian's docker-registry (distribution 2.8) on
 * 127.0.0.1 at a free port, plain HTTP, its own storage directory; stopped at teardown.
 */
import { execFileSync, spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { tmpdir } from './tmpdir.js'
import type { TokenServer } from './token-server.js'

interface Teardown {
  teardown(fn: () => void | Promise<void>): void
}

export interface Registry {
  /** host:port */
  host: string
  storage: string
  stop(): Promise<void>
}

function bcrypt(password: string): string {
  const code = 'import crypt, sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH)))'
  return execFileSync('python3', ['-W', 'ignore', '-c', code, password]).toString().trim()
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port
      srv.close(() => resolve(port))
    })
    srv.once('error', reject)
  })
}

/**
 * Runs a command (after `$1`, the test's pid) and kills it when told (SIGTERM) or when the test
 * process is gone, even killed by a timeout: no registry outlives its test.
 */
const TETHER = `parent=$1; shift
"$@" & child=$!
trap 'kill -9 $child 2>/dev/null; wait $child; exit 0' TERM INT
while kill -0 "$parent" 2>/dev/null && kill -0 "$child" 2>/dev/null; do sleep 0.2; done
kill -9 $child 2>/dev/null
wait $child`

/**
 * With `users`, the registry demands Basic auth from an htpasswd file (bcrypt, made by python3's
 * crypt); with `token`, Bearer tokens from that token service.
 */
export async function startRegistry(
  t: Teardown,
  o: { users?: Record<string, string>; token?: TokenServer; port?: number; storage?: string } = {},
): Promise<Registry> {
  const dir = tmpdir(t as never, 'strata-registry-')
  const port = o.port ?? (await freePort())
  const host = `127.0.0.1:${port}`
  const storage = o.storage ?? join(dir, 'data')
  let auth = ''
  if (o.users) {
    const lines = Object.entries(o.users).map(([u, p]) => `${u}:${bcrypt(p)}`)
    writeFileSync(join(dir, 'htpasswd'), `${lines.join('\n')}\n`)
    auth = `auth:\n  htpasswd:\n    realm: strata-test\n    path: ${join(dir, 'htpasswd')}\n`
  }
  if (o.token)
    auth =
      `auth:\n  token:\n    realm: ${o.token.realm}\n    service: ${o.token.service}\n` +
      `    issuer: ${o.token.issuer}\n    rootcertbundle: ${o.token.certFile}\n`
  writeFileSync(
    join(dir, 'config.yml'),
    `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${storage}\n  delete:\n    enabled: true\n${auth}http:\n  addr: ${host}\n`,
  )
  const proc = spawn(
    'sh',
    ['-c', TETHER, 'tether', String(process.pid), 'docker-registry', 'serve', join(dir, 'config.yml')],
    {
      stdio: 'ignore',
    },
  )
  const stop = async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return
    proc.kill('SIGTERM')
    await new Promise((r) => proc.once('exit', r))
  }
  t.teardown(stop)
  for (let i = 0; ; i++) {
    try {
      const res = await fetch(`http://${host}/v2/`)
      if (res.ok || res.status === 401) return { host, storage, stop }
    } catch (err) {
      if (i > 100) throw err
    }
    await new Promise((r) => setTimeout(r, 50))
  }
}
