/**
 * Per-opcode request statistics of a session: how many requests of each opcode the worker
 * answered and how long each took, from the moment it was taken off the reader's batch to its
 * reply (for synchronous handlers that is the JavaScript's CPU time). Durations go into a
 * log-scale histogram per opcode (16 buckets per doubling, about 4% wide), so memory stays fixed
 * however many requests a mount serves; medians and p99s are read from it. The buckets are those
 * of the reader's own timings (native-bindings READER_TIMINGS, read by reader-timings.ts).
 * Tests: test/unit/fuse/op-stats.test.ts
 */
import { READER_TIMINGS } from '../../native-bindings/index.js'
import { Op } from './abi.js'

/** 0.1 µs .. about 1,700 s */
const { perDoubling: PER_DOUBLING, buckets: BUCKETS, baseUs: BASE_US } = READER_TIMINGS

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
/** An opcode's name in summaries (an unknown code by its number). */
export const opName = (opcode: number): string => NAMES.get(opcode) ?? String(opcode)

/** One opcode's summary from its histogram (BUCKETS counts) and the total of its durations. */
export function summarize(h: ArrayLike<number>, totalUs: number): OpSummary {
  let count = 0
  for (let b = 0; b < h.length; b++) count += h[b] as number
  return {
    count,
    p50Us: round(quantile(h, count, 0.5)),
    p99Us: round(quantile(h, count, 0.99)),
    totalMs: round(totalUs / 1000),
  }
}

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
    for (const [opcode, h] of [...this.hist].sort((a, b) => a[0] - b[0]))
      out[opName(opcode)] = summarize(h, this.totals.get(opcode) ?? 0)
    return out
  }
}

function quantile(h: ArrayLike<number>, count: number, q: number): number {
  const rank = Math.ceil(q * count)
  let seen = 0
  for (let b = 0; b < h.length; b++) {
    seen += h[b] as number
    if (seen >= rank) return edgeOf(b)
  }
  return edgeOf(h.length - 1)
}

const round = (v: number): number => Math.round(v * 10) / 10
