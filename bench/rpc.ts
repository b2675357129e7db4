/**
 * bench/rpc: RPC round trips of a trivial method (system.ping) against a real stratad on a
 * scratch root: latency percentiles and calls per second for 1 client and for 50 clients (each
 * its own connection, one call at a time), then 1 client with 64 calls in flight (pipelined).
 *   npm run bench:rpc [-- --calls N]
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { StrataClient } from '../client/client.js'

const STRATAD = fileURLToPath(new URL('../daemon/main.js', import.meta.url))
const CALLS = process.argv.includes('--calls') ? Number(process.argv[process.argv.indexOf('--calls') + 1]) : 20_000

interface Result {
  name: string
  calls: number
  seconds: number
  latenciesUs: number[]
}

async function connectWhenUp(socket: string): Promise<StrataClient> {
  for (let i = 0; ; i++) {
    try {
      return await StrataClient.connect({ socket })
    } catch (err) {
      if (i > 200) throw err
      await new Promise((r) => setTimeout(r, 50))
    }
  }
}

/** `clients` connections, each making `perClient` calls, `depth` in flight at a time. */
async function run(name: string, socket: string, clients: number, perClient: number, depth = 1): Promise<Result> {
  const conns = await Promise.all(Array.from({ length: clients }, () => StrataClient.connect({ socket })))
  const latenciesUs: number[] = []
  const started = process.hrtime.bigint()
  await Promise.all(
    conns.flatMap((c) =>
      Array.from({ length: depth }, async () => {
        for (let i = 0; i < perClient / depth; i++) {
          const t0 = process.hrtime.bigint()
          await c.call('system.ping', {})
          latenciesUs.push(Number(process.hrtime.bigint() - t0) / 1000)
        }
      }),
    ),
  )
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  conns.forEach((c) => c.close())
  return { name, calls: latenciesUs.length, seconds, latenciesUs }
}

const pct = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'strata-bench-rpc-'))
  const socket = join(dir, 's.sock')
  const daemon = spawn(
    process.execPath,
    [STRATAD, '--root', join(dir, 'root'), '--socket', socket, '--log-level', 'warn'],
    {
      stdio: 'inherit',
    },
  )
  try {
    ;(await connectWhenUp(socket)).close()
    await run('warm-up', socket, 1, 2000)
    const results = [
      await run('1 client', socket, 1, CALLS),
      await run('50 clients', socket, 50, Math.ceil(CALLS / 50)),
      await run('1 client, 64 in flight', socket, 1, CALLS, 64),
    ]
    console.log('| clients | calls | calls/s | p50 µs | p99 µs |')
    console.log('|---|---:|---:|---:|---:|')
    for (const r of results) {
      const s = [...r.latenciesUs].sort((a, b) => a - b)
      const rate = Math.round(r.calls / r.seconds)
      console.log(`| ${r.name} | ${r.calls} | ${rate} | ${pct(s, 50).toFixed(0)} | ${pct(s, 99).toFixed(0)} |`)
    }
  } finally {
    daemon.kill('SIGTERM')
    await new Promise((r) => daemon.once('exit', r))
    rmSync(dir, { recursive: true, force: true })
  }
}

await main()
