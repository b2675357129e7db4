/**
 * The table of nodes open for writing (createWriterNodes): its calls check their arguments, ids
 * past its range are ignored (never answered natively), and it counts no answers before a reader
 * gives some. Its answers themselves go through a real mount: test/integration/fuse-writers.test.ts.
 */
import t from 'tap'
import { closeSync, openSync } from 'node:fs'
import {
  createBareNodes,
  createWriterNodes,
  markBareNode,
  pauseWriterNodes,
  setWriterNode,
  startFusePoll,
  writerNodeAnswers,
} from '../../../native-bindings/index.js'

t.test('arguments are checked; out-of-range ids are ignored', async (t) => {
  const table = createWriterNodes(3600.7)
  t.equal(writerNodeAnswers(table), 0)
  setWriterNode(table, 5, 3, 1234)
  setWriterNode(table, 5, -1, 1234) // taken out
  setWriterNode(table, 2 ** 40, 3, 1) // above the table's range: ignored
  setWriterNode(table, 1_000_000, -1, 1) // never set: nothing to grow
  t.throws(() => setWriterNode(table, -1, 3, 1), { code: 'EINVAL' })
  t.throws(() => setWriterNode(table, 1, -2, 1), { code: 'EINVAL' })
  t.throws(() => setWriterNode(table, 1.5, 3, 1), TypeError)
  t.throws(() => setWriterNode({} as never, 1, 3, 1), TypeError)
  t.throws(() => createWriterNodes(-1), { code: 'EINVAL' })
  pauseWriterNodes(table, true)
  pauseWriterNodes(table, false)
  t.throws(() => pauseWriterNodes(table, 1 as never), TypeError)
  t.throws(() => writerNodeAnswers({} as never), TypeError)
  // each kind of table is told apart from the other (both are N-API externals)
  t.throws(() => setWriterNode(createBareNodes() as never, 1, 3, 1), TypeError)
  t.throws(() => markBareNode(table as never, 1, true), TypeError)
})

t.test('the poll reader takes only a table made by createWriterNodes', async (t) => {
  const fd = openSync('/dev/null', 'r')
  t.teardown(() => closeSync(fd))
  t.throws(() => startFusePoll(fd, 4096, () => undefined, { bare: createBareNodes(), writers: {} as never }), TypeError)
})
