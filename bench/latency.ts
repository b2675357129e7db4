/**
 * bench/run's small tables of single operations on fresh mounts, union backends only: the first
 * stat of a file right after mounting one layer (µs), the mount time (ms) of one layer, and lookup
 * latency (µs per stat of 1,000 names spread over every layer) in stacks of 1 to 1,000 layers.
 */
import { statSync, writeFileSync } from 'node:fs'
import { mountBackend, UNION_BACKENDS } from './backends.js'
import { python, sh, type Fixture } from './fixture.js'
import { checkStop, type Options } from './options.js'
import { record, type Results } from './table.js'

const elapsedUs = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e3

/** Each round mounts every backend `REPEAT` times, interleaved. */
const REPEAT = 5

export function firstStat(fx: Fixture, o: Options, results: Results): void {
  const lowest = [fx.layers.at(-1) as string]
  for (let round = 0; round < o.rounds * REPEAT; round++) {
    for (const b of UNION_BACKENDS) {
      checkStop()
      try {
        const m = mountBackend(b, lowest, fx.scratch, '')
        try {
          statSync(fx.fs) // the call's own path warm, so only the mount's first lookups are timed
          const t0 = process.hrtime.bigint()
          statSync(`${m.mnt}/d0/l0f0`)
          record(results, 'first stat of a file on a fresh mount, 1 layer (µs)', b, elapsedUs(t0))
          record(results, 'mount time, 1 layer (ms)', b, m.mountMs)
        } finally {
          m.unmount()
        }
      } catch (err) {
        process.stderr.write(`first stat on ${b}: ${String(err)}\n`)
      }
    }
  }
}

/** argv: mnt. Prints the µs per stat (Python's start-up left out). */
const STAT_N = `
import os, sys, time
t0 = time.perf_counter()
for i in range(1000):
    os.stat('%s/d/f%d' % (sys.argv[1], i))
print((time.perf_counter() - t0) * 1e6 / 1000)
`

/** Lookup latency: stat of 1,000 names spread over every layer of an N-layer stack, cold (fresh mount). */
export function lookupLatency(fx: Fixture, o: Options): Results {
  const results: Results = new Map()
  for (const n of o.sizes.lookupLayers) {
    const base = `${fx.fs}/deep${n}`
    sh(`mkdir -p ${base} && cd ${base} && for i in $(seq 0 ${n - 1}); do mkdir -p $i/d; done`)
    for (let i = 0; i < 1000; i++) writeFileSync(`${base}/${i % n}/d/f${i}`, 'x')
    const layers = Array.from({ length: n }, (_, i) => `${base}/${i}`)
    const row = `lookup, ${n} layers (µs/stat)`
    for (const b of UNION_BACKENDS) {
      checkStop()
      try {
        const m = mountBackend(b, layers, fx.scratch, '')
        try {
          record(results, row, b, Number(python(STAT_N, [m.mnt]).toString()))
        } finally {
          m.unmount()
        }
      } catch {
        record(results, row, b, NaN) // the backend cannot mount this many layers (overlayfs stops near 100 absolute paths)
      }
    }
  }
  return results
}
