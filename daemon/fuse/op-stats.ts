/**
 * Per-opcode request statistics of a session: how many requests of each opcode the worker
 * answered and how long each took, from the moment it was taken off the reader's batch to its
 * reply (for synchronous handlers that is the JavaScript's CPU time). Durations go into a
 * log-scale histogram per opcode (16 buckets per doubling, about 4% wide), so memory stays fixed
 * however many requests a mount serves; medians and p99s are read from it.
 * Tests: test/unit/fuse/op-stats.test.ts
 */
import { Op } from './abi.js'

const PER_DOUBLING = 16
/** 0.1 µs .. about 1,700 s */
const BUCKETS = PER_DOUBLING * 34
const BASE_US = 0.1

export interface OpSummary {
  count: number
  p50Us: number
  p99Us: number
  totalMs: number
}

const bucketOf = (us: number): number =>
  us <= BASE_US ? 0 : Math.min(BUCKETS - 1, Math.floor(Math.log2(us / BASE_US) * PER_DOUBLING))

/** The upper edge of a bucket, in µs. */
const edgeOf = (bucket: number): number => BASE_US * 2 ** ((bucket + 1) / PER_DOUBLING)

const NAMES = new Map<number, string>(Object.entries(Op).map(([name, code]) => [code, name]))

export class OpStats {
  private readonly hist = new Map<number, Uint32Array>()
  private readonly totals = new Map<number, number>()

  record(opcode: number, us: number): void {
    let h = this.hist.get(opcode)
    if (!h) this.hist.set(opcode, (h = new Uint32Array(BUCKETS)))
    const b = bucketOf(us)
    h[b] = (h[b] as number) + 1
    this.totals.set(opcode, (this.totals.get(opcode) ?? 0) + us)
  }

  count(opcode: number): number {
    return this.hist.get(opcode)?.reduce((a, b) => a + b, 0) ?? 0
  }

  /** Every opcode seen, by name (unknown codes by number). */
  summary(): Record<string, OpSummary> {
    const out: Record<string, OpSummary> = {}
    for (const [opcode, h] of [...this.hist].sort((a, b) => a[0] - b[0])) {
      const count = h.reduce((a, b) => a + b, 0)
      out[NAMES.get(opcode) ?? String(opcode)] = {
        count,
        p50Us: round(quantile(h, count, 0.5)),
        p99Us: round(quantile(h, count, 0.99)),
        totalMs: round((this.totals.get(opcode) ?? 0) / 1000),
      }
    }
    return out
  }
}

function quantile(h: Uint32Array, count: number, q: number): number {
  const rank = Math.ceil(q * count)
  let seen = 0
  for (let b = 0; b < h.length; b++) {
    seen += h[b] as number
    if (seen >= rank) return edgeOf(b)
  }
  return edgeOf(h.length - 1)
}

const round = (v: number): number => Math.round(v * 10) / 10
