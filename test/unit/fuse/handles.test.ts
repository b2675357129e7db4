/**
 * Handle tables: ids never reused, and open files found by inode (a handle-less SETATTR of a node
 * open for writing goes through that handle), forgotten as they are released.
 */
import t from 'tap'
import { FileHandles, Handles, type FileHandle } from '../../../daemon/fuse/handles.js'
import { Inode } from '../../../daemon/fuse/inodes.js'

const inode = (n: number): Inode => new Inode(n, n, `f${n}`)
const file = (node: Inode, writable: boolean, fd: number): FileHandle => ({
  fd,
  path: `/upper/${node.path}`,
  inode: node,
  writable,
  passthrough: false,
})

t.test('ids are not reused', async (t) => {
  const h = new Handles<string>()
  const a = h.add('a')
  t.equal(h.take(a), 'a')
  t.not(h.add('b'), a)
  t.equal(h.get(a), undefined)
})

t.test('open files by inode', async (t) => {
  const files = new FileHandles()
  const n1 = inode(1)
  const n2 = inode(2)
  const reader = files.add(file(n1, false, 10))
  t.equal(files.anyOf(n1, true), undefined, 'a reader is not a writer')
  t.equal(files.anyOf(n1, false)?.fd, 10)
  const writer = files.add(file(n1, true, 11))
  files.add(file(n2, true, 12))
  t.equal(files.anyOf(n1, true)?.fd, 11)
  t.same(
    files.of(n1).map((f) => f.fd),
    [10, 11],
  )
  files.take(writer)
  t.equal(files.anyOf(n1, true), undefined, 'released: gone from the index')
  files.take(reader)
  t.same(files.of(n1), [])
  t.equal(files.anyOf(n2, true)?.fd, 12)
  t.equal(files.take(reader), undefined, 'a second release is a no-op')
})

t.test("the reader's numbers: kept as given, indexed by inode, never taken twice", async (t) => {
  const files = new FileHandles()
  const n1 = new Inode(2, 2, 'a')
  files.addAt(2 ** 40, file(n1, true, 20))
  t.equal(files.get(2 ** 40)?.fd, 20)
  t.equal(files.anyOf(n1, true)?.fd, 20)
  t.throws(() => files.addAt(2 ** 40, file(n1, false, 21)), /taken/)
  t.equal(files.add(file(n1, false, 22)), 1, "the session's own numbers start where they did")
  t.equal(files.take(2 ** 40)?.fd, 20)
  t.same(
    files.of(n1).map((f) => f.fd),
    [22],
  )
})
