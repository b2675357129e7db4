/**
 * The poll reader's own answers, timed: startFusePoll fills `cells` (a histogram per opcode in
 * op-stats' buckets, from the end of a request's read to the end of its reply), and `summary`
 * reads them as op-stats does the JavaScript answers, so the two sit in one table.
 * Tests: test/unit/fuse/reader-timings.test.ts
 */
import { READER_TIMING_CELLS, READER_TIMINGS } from '../../native-bindings/index.js'
import { opName, summarize, type OpSummary } from './op-stats.js'

const ROW = 1 + READER_TIMINGS.buckets

export class ReaderTimings {
  /** what startFusePoll writes into; nothing else writes it */
  readonly cells = new Float64Array(READER_TIMING_CELLS)

  /** Every opcode the reader answered, by name. */
  summary(): Record<string, OpSummary> {
    const out: Record<string, OpSummary> = {}
    for (let opcode = 0; opcode < READER_TIMINGS.opcodes; opcode++) {
      const row = this.cells.subarray(opcode * ROW, (opcode + 1) * ROW)
      const s = summarize(row.subarray(1), row[0] as number)
      if (s.count > 0) out[opName(opcode)] = s
    }
    return out
  }
}
