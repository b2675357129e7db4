/**
 * The table of upper nodes (createUpperNodes): its calls check their arguments (a path must be
 * absolute, a file is never merged with a lower directory), ids past its range are ignored, a
 * node taken out twice is no error, and it counts no answers (nor lookups) before a reader gives some;
 * the ids set aside for its CREATE and its enabling are checked too. Its
 * answers go through a real mount: test/integration/fuse-upper.test.ts.
 */
import t from 'tap'
import { closeSync, openSync } from 'node:fs'
import {
  createBareNodes,
  createUpperNodes,
  createWriterNodes,
  dropUpperNode,
  enableUpperCreate,
  giveUpperIds,
  pauseUpperNodes,
  setUpperNode,
  startFusePoll,
  takeUpperLookups,
  upperNodeAnswers,
} from '../../../native-bindings/index.js'

t.test('arguments are checked; out-of-range ids are ignored', async (t) => {
  const table = createUpperNodes(3600, 3600)
  const none = { getattr: 0, lookup: 0, setattr: 0, readdir: 0, readdirplus: 0, unlink: 0, rmdir: 0, create: 0 }
  t.same(upperNodeAnswers(table), none)
  setUpperNode(table, 5, '/tmp/x', 1234, { dir: true, lower: true })
  setUpperNode(table, 5, '/tmp/y', 1234, { dir: true }) // registered again: the path is replaced
  setUpperNode(table, 5, '/tmp/y/f', 1235, { dir: false, settable: true })
  t.equal(dropUpperNode(table, 5), 0, 'no lookups counted by a reader')
  t.equal(dropUpperNode(table, 5), 0) // twice: nothing left to take
  t.equal(dropUpperNode(table, 2 ** 40), 0)
  t.equal(takeUpperLookups(table, 5), 0)
  t.equal(takeUpperLookups(table, 2 ** 40), 0)
  setUpperNode(table, 2 ** 40, '/tmp/x', 1, { dir: true }) // above the table's range: ignored
  pauseUpperNodes(table, true)
  pauseUpperNodes(table, false)
  t.throws(() => setUpperNode(table, 6, 'relative', 1, { dir: true }), { code: 'EINVAL' })
  setUpperNode(table, 6, '/tmp/x', 1, { dir: true, lower: true, settable: true })
  t.throws(() => setUpperNode(table, 6, '/tmp/x', 1, { dir: false, lower: true }), { code: 'EINVAL' })
  t.throws(() => setUpperNode(table, -1, '/tmp/x', 1, { dir: true }), { code: 'EINVAL' })
  t.throws(() => setUpperNode(table, 1.5, '/tmp/x', 1, { dir: true }), TypeError)
  t.throws(() => setUpperNode(createWriterNodes(1) as never, 1, '/tmp/x', 1, { dir: true }), TypeError)
  t.throws(() => pauseUpperNodes(table, 1 as never), TypeError)
  t.throws(() => createUpperNodes(-1, 1), { code: 'EINVAL' })
  t.throws(() => upperNodeAnswers({} as never), TypeError)
})

t.test("the reader's CREATE: its ids and its enabling are checked", async (t) => {
  const table = createUpperNodes(3600, 3600)
  t.equal(giveUpperIds(table, Uint32Array.from([7, 8])), 2)
  t.equal(giveUpperIds(table, new Uint32Array(0)), 2)
  t.throws(() => giveUpperIds(table, [9] as never), TypeError, 'a Uint32Array only')
  t.throws(() => giveUpperIds(table, Uint32Array.from([0])), { code: 'EINVAL' }, 'never the unused id 0')
  t.throws(() => giveUpperIds(table, Uint32Array.from([2 ** 28])), { code: 'EINVAL' }, 'nor one past the range')
  t.throws(() => giveUpperIds(table, new Uint32Array(4095).fill(5)), { code: 'EINVAL' }, 'at most 4,096 held')
  t.equal(giveUpperIds(table, new Uint32Array(4094).fill(5)), 4096)
  enableUpperCreate(table, 0, { uid: 0, gid: 0, umask: 0o022 })
  t.throws(() => enableUpperCreate(table, -1, { uid: 0, gid: 0, umask: 0 }), { code: 'EINVAL' })
  t.throws(() => enableUpperCreate(table, 0, { uid: 0, gid: 0, umask: 0o1000 }), { code: 'EINVAL' })
  t.throws(() => enableUpperCreate(createBareNodes() as never, 0, { uid: 0, gid: 0, umask: 0 }), TypeError)
})

t.test('the poll reader takes only a table made by createUpperNodes', async (t) => {
  const fd = openSync('/dev/null', 'r')
  t.teardown(() => closeSync(fd))
  const tables = { bare: createBareNodes(), writers: createWriterNodes(1), upper: {} as never }
  t.throws(() => startFusePoll(fd, 4096, () => undefined, tables), TypeError)
})
