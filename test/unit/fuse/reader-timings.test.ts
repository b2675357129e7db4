/**
 * The reader's timings read as op-stats reads the JavaScript answers: rows by opcode name, only
 * the opcodes answered, quantiles from the shared buckets.
 */
import t from 'tap'
import { READER_TIMINGS } from '../../../native-bindings/index.js'
import { Op } from '../../../daemon/fuse/abi.js'
import { OpStats } from '../../../daemon/fuse/op-stats.js'
import { ReaderTimings } from '../../../daemon/fuse/reader-timings.js'

const ROW = 1 + READER_TIMINGS.buckets
/** The bucket a duration falls in, as fuse-poll.c's time_answer puts it. */
const bucketOf = (us: number) =>
  us <= READER_TIMINGS.baseUs
    ? 0
    : Math.min(
        READER_TIMINGS.buckets - 1,
        Math.floor(Math.log2(us / READER_TIMINGS.baseUs) * READER_TIMINGS.perDoubling),
      )

function record(r: ReaderTimings, opcode: number, us: number): void {
  r.cells[opcode * ROW] = (r.cells[opcode * ROW] as number) + us
  r.cells[opcode * ROW + 1 + bucketOf(us)] = (r.cells[opcode * ROW + 1 + bucketOf(us)] as number) + 1
}

t.test('empty: nothing answered, no rows', async (t) => {
  t.same(new ReaderTimings().summary(), {})
})

t.test('the same summary as op-stats gives for the same durations', async (t) => {
  const r = new ReaderTimings()
  const js = new OpStats()
  for (let i = 1; i <= 1000; i++) {
    record(r, Op.LOOKUP, i / 10)
    js.record(Op.LOOKUP, i / 10)
  }
  record(r, Op.CREATE, 3e9) // beyond the last bucket: counted in it
  js.record(Op.CREATE, 3e9)
  record(r, 63, 1)
  const sum = r.summary()
  t.same(Object.keys(sum).sort(), ['63', 'CREATE', 'LOOKUP'], 'by opcode name; unknown ones by number')
  t.same(sum.LOOKUP, js.summary().LOOKUP)
  t.same(sum.CREATE, js.summary().CREATE)
  t.equal(sum.LOOKUP?.count, 1000)
  t.ok(Math.abs((sum.LOOKUP?.p50Us ?? 0) - 50) / 50 < 0.05, `p50 ${sum.LOOKUP?.p50Us} near 50`)
})
