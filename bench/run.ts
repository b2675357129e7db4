/**
 * bench/run: every filesystem workload against ext4 (no union), kernel overlayfs, fuse-overlayfs,
 * strata-overlay and strata-overlay -o volatile over one layer stack (10 layers, 20k small files,
 * a 1 GiB file in the lowest), on a journaled ext4 in a loop-mounted image (fixture.ts). Backends
 * are interleaved in every round (their order rotating) so machine drift hits all alike; it prints
 * median seconds and ratios (workloads.ts), then first-stat, mount-time and lookup latencies
 * (latency.ts), the FUSE processes' memory (memory.ts; with --million also on a 1M-file tree) and strata's requests by opcode (opcodes.ts).
 * A backend that fails a workload gets n/a there; everything is unmounted on the way out.
 *   npm run bench [-- --rounds N] [--quick] [--million] [--only REGEX]   (root; the full run takes a while)
 */
import { BACKENDS, mountBackend, type BackendName, type Mounted } from './backends.js'
import { cleanFlat, setUp, tearDown, type Fixture } from './fixture.js'
import { firstStat, lookupLatency } from './latency.js'
import { printMemory, printMillionMemory } from './memory.js'
import { printOpcodes } from './opcodes.js'
import { checkStop, handleStopSignals, parseOptions, stop, type Options } from './options.js'
import { printTable, record, type Results } from './table.js'
import { workloads, type Workload } from './workloads.js'

/** The seconds `fn` took, or the seconds it reports itself. */
function time(fn: () => number | void): number {
  const t0 = process.hrtime.bigint()
  const own = fn()
  return typeof own === 'number' ? own : Number(process.hrtime.bigint() - t0) / 1e9
}

/** One workload on one backend: seconds, or NaN (and a line on stderr) if it failed. */
function runOnce(fx: Fixture, w: Workload, b: BackendName, latencies: Results): number {
  let m: Mounted | undefined
  try {
    if (b === 'ext4') cleanFlat(fx)
    m = mountBackend(b, fx.layers, fx.scratch, fx.flat)
    if (b !== 'ext4') record(latencies, `mount time, ${fx.layers.length} layers (ms)`, b, m.mountMs)
    const mnt = m.mnt
    w.prepare?.(mnt)
    return time(() => w.run(mnt))
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim()
    process.stderr.write(`${w.name} on ${b} failed: ${stderr || String(err)}\n`)
    return NaN
  } finally {
    m?.unmount()
    if (b === 'ext4') w.afterExt4?.()
  }
}

function measure(fx: Fixture, o: Options, latencies: Results): Results {
  const results: Results = new Map()
  const list = workloads(fx, o.sizes).filter((w) => o.only?.test(w.name) ?? true)
  for (let round = 0; round < o.rounds; round++) {
    const order = BACKENDS.map((_, k) => BACKENDS[(k + round) % BACKENDS.length] as BackendName)
    for (const w of list) {
      for (const b of order) {
        checkStop()
        record(results, w.name, b, runOnce(fx, w, b, latencies))
      }
    }
    process.stderr.write(`round ${round + 1}/${o.rounds} done\n`)
  }
  return results
}

/** A part of the report that fails says so and lets the others run; --only may leave it out. */
async function part(o: Options, name: string, fn: () => void | Promise<void>): Promise<void> {
  if (o.only && name !== 'workloads' && !o.only.test(name)) return
  try {
    await fn()
  } catch (err) {
    if (stop.requested) throw err
    process.stderr.write(`${name} failed: ${String(err)}\n`)
  }
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2))
  handleStopSignals()
  try {
    process.stderr.write(`building the fixture in ${o.root}${o.quick ? ' (quick sizes)' : ''}\n`)
    const fx = setUp(o.root, o.sizes, o.million)
    const latencies: Results = new Map()
    await part(o, 'workloads', () => printTable(measure(fx, o, latencies), 'seconds, median'))
    await part(o, 'first stat', () => firstStat(fx, o, latencies))
    printTable(latencies, 'median')
    await part(o, 'lookup latency', () => printTable(lookupLatency(fx, o), 'µs per stat, cold mount'))
    await part(o, 'memory', () => printMemory(fx, o))
    if (o.million) await part(o, 'memory 1M files', () => printMillionMemory(fx, o))
    await part(o, 'opcodes', () => printOpcodes(fx, o))
  } finally {
    tearDown(o.root)
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${String(err)}\n`)
  process.exitCode = 1
})
