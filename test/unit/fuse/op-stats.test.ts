/**
 * Per-opcode statistics: counts are exact, quantiles land within a bucket (about 4%) of the truth.
 */
import t from 'tap'
import { Op } from '../../../daemon/fuse/abi.js'
import { OpStats } from '../../../daemon/fuse/op-stats.js'

t.test('counts, medians and p99s by opcode name', async (t) => {
  const s = new OpStats()
  for (let i = 1; i <= 1000; i++) s.record(Op.LOOKUP, i) // 1..1000 µs
  s.record(Op.GETATTR, 0.01)
  s.record(99, 5)
  const sum = s.summary()
  t.same(Object.keys(sum).sort(), ['99', 'GETATTR', 'LOOKUP'], 'by opcode, named (unknown ones by number)')
  t.equal(sum.LOOKUP?.count, 1000)
  t.equal(s.count(Op.LOOKUP), 1000)
  t.ok(Math.abs((sum.LOOKUP?.p50Us ?? 0) - 500) / 500 < 0.05, `p50 ${sum.LOOKUP?.p50Us} near 500`)
  t.ok(Math.abs((sum.LOOKUP?.p99Us ?? 0) - 990) / 990 < 0.05, `p99 ${sum.LOOKUP?.p99Us} near 990`)
  t.equal(sum.LOOKUP?.totalMs, 500.5)
  t.ok((sum.GETATTR?.p50Us ?? 1) <= 0.2, 'tiny durations fall in the first bucket')
  t.equal(s.count(Op.MKDIR), 0)
})
