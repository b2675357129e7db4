/**
 * A real registry for pull/push tests: Debian's docker-registry (distribution 2.8) on
 * 127.0.0.1 at a free port, plain HTTP, its own storage directory; stopped at teardown.
 */
import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { tmpdir } from './tmpdir.js'

interface Teardown {
  teardown(fn: () => void | Promise<void>): void
}

export interface Registry {
  /** host:port */
  host: string
  storage: string
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

export async function startRegistry(t: Teardown): Promise<Registry> {
  const dir = tmpdir(t as never, 'strata-registry-')
  const port = await freePort()
  const host = `127.0.0.1:${port}`
  const storage = join(dir, 'data')
  writeFileSync(
    join(dir, 'config.yml'),
    `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${storage}\n  delete:\n    enabled: true\nhttp:\n  addr: ${host}\n`,
  )
  const proc = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { stdio: 'ignore' })
  t.teardown(async () => {
    if (proc.exitCode !== null) return
    proc.kill('SIGTERM')
    await new Promise((r) => proc.once('exit', r))
  })
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`http://${host}/v2/`)).ok) return { host, storage }
    } catch (err) {
      if (i > 100) throw err
    }
    await new Promise((r) => setTimeout(r, 50))
  }
}
