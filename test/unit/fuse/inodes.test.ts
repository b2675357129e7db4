/** The inode table: lookup counting, forgetting, hard links, copy-up and renames. */
import t from 'tap'
import { lstatSync, mkdirSync, writeFileSync, linkSync } from 'node:fs'
import { Inode, InodeTable, inoOf, ROOT_ID } from '../../../daemon/fuse/inodes.js'
import { tmpdir } from '../../helpers/tmpdir.js'

function files(t: Parameters<typeof tmpdir>[0]) {
  const d = tmpdir(t)
  mkdirSync(`${d}/dir`)
  writeFileSync(`${d}/a`, 'a')
  linkSync(`${d}/a`, `${d}/b`)
  writeFileSync(`${d}/c`, 'c')
  const st = (p: string) => lstatSync(`${d}/${p}`, { bigint: true })
  return { table: new InodeTable(lstatSync(d, { bigint: true })), st }
}

t.test('every lookup counts and FORGET releases exactly', async (t) => {
  const { table, st } = files(t)
  const n = table.remember('c', st('c'), true)
  table.remember('c', st('c'), true)
  t.equal(n.nlookup, 2)
  table.forget(n.nodeid, 1)
  t.ok(table.get(n.nodeid))
  table.forget(n.nodeid, 1)
  t.notOk(table.get(n.nodeid), 'gone at zero')
  const again = table.remember('c', st('c'), true)
  t.not(again, n, 'a fresh node')
  t.equal(again.nodeid, n.nodeid, 'a forgotten node id goes to the next new node')
  table.forget(ROOT_ID, 100)
  t.ok(table.get(ROOT_ID), 'the root is never forgotten')
})

t.test('at: the node the kernel holds at a path, without counting one more', async (t) => {
  const { table, st } = files(t)
  t.equal(table.at('c'), undefined, 'unknown before a lookup')
  const n = table.remember('c', st('c'), true)
  t.equal(table.at('c'), n)
  t.equal(n.nlookup, 1, 'asking counts nothing')
  table.renamed('c', 'd')
  t.equal(table.at('c'), undefined, 'a renamed node is not at its old name')
  t.equal(table.at('d'), n, 'but at its new one')
  table.forget(n.nodeid, 1)
  t.equal(table.at('d'), undefined, 'nor anywhere once forgotten')
})

t.test('upper hard links share a node; lower ones do not', async (t) => {
  const { table, st } = files(t)
  const a = table.remember('a', st('a'), true)
  const b = table.remember('b', st('b'), true)
  t.equal(a, b)
  t.equal(a.nlookup, 2)
  const { table: lower, st: st2 } = files(t)
  t.not(lower.remember('a', st2('a'), false), lower.remember('b', st2('b'), false))
})

t.test('the inode number stays when the backing changes (copy-up)', async (t) => {
  const { table, st } = files(t)
  const n = table.remember('a', st('a'), false)
  const moved = table.remember('a', st('c'), true) // same path, another backing inode
  t.equal(moved, n)
  t.equal(moved.ino, Number(st('a').ino))
})

t.test('renames move whole subtrees; exchange swaps them', async (t) => {
  const { table, st } = files(t)
  const d = table.remember('dir', st('dir'), true)
  const inner = table.remember('dir/x', st('c'), true)
  table.renamed('dir', 'moved')
  t.equal(d.path, 'moved')
  t.equal(inner.path, 'moved/x')
  const other = table.remember('a', st('a'), true)
  table.exchanged('moved', 'a')
  t.equal(d.path, 'a')
  t.equal(inner.path, 'a/x')
  t.equal(other.path, 'moved')
})

t.test('a hard-linked node keeps every name: unlinking some leaves the others serving', async (t) => {
  const { table, st } = files(t)
  const a = table.remember('a', st('a'), true)
  table.remember('b', st('b'), true)
  table.remember('dir/b2', st('a'), true)
  table.unlinked('a')
  t.ok(['b', 'dir/b2'].includes(a.path), 'the first name gone: another one serves')
  table.unlinked('b')
  t.equal(a.path, 'dir/b2')
  table.renamed('dir', 'moved')
  t.equal(a.path, 'moved/b2', 'a name below a renamed directory moves with it')
  t.equal(table.remember('moved/b2', st('a'), true), a)
  table.unlinked('moved/b2')
  t.equal(a.path, 'moved/b2', 'with no name left, the last one stays for its open handles')
  t.equal(table.remember('c', st('a'), true), a, 'a new link of the same inode finds the node')
  t.equal(a.path, 'c')
})

t.test('renaming one name of a hard-linked node leaves the other', async (t) => {
  const { table, st } = files(t)
  const a = table.remember('a', st('a'), true)
  table.remember('b', st('b'), true)
  table.renamed('a', 'z')
  table.unlinked('b')
  t.equal(a.path, 'z')
  const c = table.remember('c', st('c'), true)
  table.renamed('c', 'z') // over the last name of a: a keeps serving its handles only
  t.equal(c.path, 'z')
  table.forget(a.nodeid, 2)
  t.equal(table.remember('z', st('c'), true), c, 'forgetting a leaves z to c')
})

t.test('node ids are small numbers, never one the kernel still holds; the table shrinks at FORGET', async (t) => {
  const { table, st } = files(t)
  const held = table.remember('a', st('a'), false)
  const gone = table.remember('c', st('c'), false)
  const dir = table.remember('dir', st('dir'), false)
  t.same([typeof held.nodeid, held.nodeid, gone.nodeid, dir.nodeid], ['number', 2, 3, 4])
  t.equal(table.size, 4)
  table.forget(gone.nodeid, 1)
  t.equal(table.size, 3)
  t.equal(table.get(gone.nodeid), undefined)
  const next = table.remember('b', st('b'), false)
  t.equal(next.nodeid, gone.nodeid, 'the free id, not a new one')
  t.equal(table.remember('dir/x', st('c'), false).nodeid, 5, 'no free id left: the next one')
  t.equal(table.get(held.nodeid), held, 'a held node keeps its id')
  t.equal(table.get(0), undefined)
  t.equal(table.get(2 ** 60), undefined, 'an id never given is unknown')
  for (const n of [held, next, dir]) table.forget(n.nodeid, 1)
  t.equal(table.size, 2, 'the root and dir/x')
})

t.test('inode numbers are numbers below 2^53 and bigints above', async (t) => {
  t.equal(inoOf(12345n), 12345)
  t.equal(inoOf(2n ** 53n - 1n), Number.MAX_SAFE_INTEGER)
  t.equal(inoOf(2n ** 53n), 2n ** 53n)
  t.equal(inoOf(2n ** 64n - 1n), 2n ** 64n - 1n)
  const { table, st } = files(t)
  const n = table.remember('a', st('a'), false)
  t.equal(n.ino, Number(st('a').ino))
  t.ok(n instanceof Inode, 'one class, one shape')
})

t.test('the lookup count and the xattr flag share a field without touching each other', async (t) => {
  const n = new Inode(2, 2, 'x')
  t.same([n.nlookup, n.noXattrs], [0, null])
  n.noXattrs = true
  n.nlookup += 3
  t.same([n.nlookup, n.noXattrs], [3, true])
  n.noXattrs = false
  t.same([n.nlookup, n.noXattrs], [3, false])
  n.nlookup = 2 ** 40 // past a small integer: still exact
  n.noXattrs = null
  t.same([n.nlookup, n.noXattrs], [2 ** 40, null])
  n.nlookup -= 2 ** 40
  t.same([n.nlookup, n.noXattrs], [0, null])
})

t.test("a forgotten hard-linked node's names go with it", async (t) => {
  const { table, st } = files(t)
  const a = table.remember('a', st('a'), true)
  table.remember('b', st('b'), true)
  table.forget(a.nodeid, 2)
  const again = table.remember('b', st('b'), true)
  t.not(again, a)
  t.equal(again.path, 'b')
  table.unlinked('b')
  t.equal(again.path, 'b', 'its only name: kept for open handles, no other name left over from a')
  t.equal(table.remember('a', st('a'), true), again, 'the same backing inode: the same node')
  t.equal(again.path, 'a')
})

t.test('a directory removed while held: the next directory with its backing inode is a new node', async (t) => {
  const { table, st } = files(t)
  const old = table.remember('dir', st('dir'), true)
  table.unlinked('dir') // rmdir while the kernel holds it (a shell's working directory)
  const made = table.remember('dir', st('dir'), true) // the backing filesystem gave the number to a new one
  t.not(made, old)
  t.equal(made.nlookup, 1)
  t.equal(old.nlookup, 1, "the old node is still the kernel's until FORGET")
  t.equal(table.remember('dir', st('dir'), true), made, 'and the new node keeps its backing inode')
})

t.test('ids set aside for the reader: never handed out until adopted, then nodes like any', async (t) => {
  const { table, st } = files(t)
  const a = table.remember('a', st('a'), true)
  table.forget(a.nodeid, 1) // its id is free again
  const ids = table.reserve(3)
  t.equal(ids[0], a.nodeid, 'a free id first')
  t.equal(new Set(ids).size, 3)
  const others = ['b', 'dir'].map((p) => table.remember(p, st(p), true).nodeid)
  t.notOk(
    others.some((id) => ids.includes(id)),
    'remember never takes one',
  )
  const made = st('a')
  const n = table.adopt(ids[1] as number, 'a', made.ino, made.dev)
  t.same([n.nodeid, n.ino, n.path, n.nlookup], [ids[1], inoOf(made.ino), 'a', 1], 'looked up once, its own number')
  t.equal(table.get(n.nodeid), n)
  t.equal(table.remember('a', made, true), n, 'found by path and backing inode')
  t.throws(() => table.adopt(ids[1] as number, 'x', made.ino, made.dev), /not free/)
  t.equal(table.forget(n.nodeid, 2), n, 'forgotten as any node')
})
