/**
 * The table of upper directories (createDirNodes): its calls check their arguments (a path must be
 * absolute), ids past its range are ignored, a node taken out twice is no error, and it counts no
 * answers before a reader gives some. Its answers go through a real mount: test/integration/fuse-dirs.test.ts.
 */
import t from 'tap'
import { closeSync, openSync } from 'node:fs'
import {
  createBareNodes,
  createDirNodes,
  createWriterNodes,
  dirNodeAnswers,
  setDirNode,
  startFusePoll,
} from '../../../native-bindings/index.js'

t.test('arguments are checked; out-of-range ids are ignored', async (t) => {
  const table = createDirNodes(3600, 3600)
  t.same(dirNodeAnswers(table), { getattr: 0, lookup: 0 })
  setDirNode(table, 5, '/tmp/x', 1234, true)
  setDirNode(table, 5, '/tmp/y', 1234, false) // registered again: the path is replaced
  setDirNode(table, 5, null)
  setDirNode(table, 5, null) // twice: nothing left to take
  setDirNode(table, 2 ** 40, '/tmp/x', 1) // above the table's range: ignored
  t.throws(() => setDirNode(table, 6, 'relative', 1), { code: 'EINVAL' })
  t.throws(() => setDirNode(table, -1, '/tmp/x', 1), { code: 'EINVAL' })
  t.throws(() => setDirNode(table, 1.5, '/tmp/x', 1), TypeError)
  t.throws(() => setDirNode(createWriterNodes(1) as never, 1, '/tmp/x', 1), TypeError)
  t.throws(() => createDirNodes(-1, 1), { code: 'EINVAL' })
  t.throws(() => dirNodeAnswers({} as never), TypeError)
})

t.test('the poll reader takes only a table made by createDirNodes', async (t) => {
  const fd = openSync('/dev/null', 'r')
  t.teardown(() => closeSync(fd))
  const tables = { bare: createBareNodes(), writers: createWriterNodes(1), dirs: {} as never }
  t.throws(() => startFusePoll(fd, 4096, () => undefined, tables), TypeError)
})
