/**
 * The inode table: FUSE node ids for union paths, with the kernel's lookup counts.
 * Owns: one node per upper backing inode (hard links there share it; lower hard links do not, since
 *   copy-up breaks them name by name, as overlayfs without index does); a 64-bit inode number fixed when the node
 *   is made (the backing inode's), so it stays the same across copy-up; paths kept current across
 *   renames; exact lookup counting (every LOOKUP, CREATE, MKNOD, MKDIR, SYMLINK, LINK and READDIRPLUS
 *   entry adds one, FORGET takes n away; a node goes at zero, the root never).
 * Never: reuses a node id.
 * Tests: test/unit/fuse/inodes.test.ts
 */
import type { BigIntStats } from 'node:fs'
import { isWithin } from '../overlay/path.js'

export const ROOT_ID = 1n

export interface Inode {
  readonly nodeid: bigint
  /** the inode number the kernel sees, fixed for the node's life */
  readonly ino: bigint
  path: string
  nlookup: number
  /**
   * Known to have no xattr a user can see (ops/xattr.ts): GETXATTR answers ENODATA without a
   * syscall. Only SETXATTR through this mount can add one; false means not known.
   */
  noXattrs: boolean
}

const keyOf = (st: BigIntStats) => `${st.dev}:${st.ino}`

export class InodeTable {
  private readonly byId = new Map<bigint, Inode>()
  private readonly byBacking = new Map<string, Inode>()
  /** the byBacking keys of each node, so forgetting one costs its own keys, not a scan */
  private readonly keysOf = new Map<Inode, Set<string>>()
  private readonly byPath = new Map<string, Inode>()
  /** inode numbers promised to the next node of a path (see replace) */
  private readonly inoOfPath = new Map<string, bigint>()
  private nextId = ROOT_ID + 1n

  constructor(rootStat: BigIntStats) {
    const root: Inode = { nodeid: ROOT_ID, ino: rootStat.ino, path: '', nlookup: 1, noXattrs: false }
    this.byId.set(ROOT_ID, root)
    this.byPath.set('', root)
    this.bindKey(keyOf(rootStat), root)
  }

  get(nodeid: bigint): Inode | undefined {
    return this.byId.get(nodeid)
  }

  get size(): number {
    return this.byId.size
  }

  /**
   * The node for the entry at `path` whose visible backing is `st`, counting one lookup.
   * A known backing inode (a hard link, or the same file) or a known path (the same entry after a
   * copy-up changed its backing) keeps its node and inode number.
   */
  remember(path: string, st: BigIntStats, inUpper: boolean): Inode {
    const key = keyOf(st)
    let node = (inUpper ? this.byBacking.get(key) : undefined) ?? this.byPath.get(path)
    if (!node) {
      node = { nodeid: this.nextId++, ino: this.inoOfPath.get(path) ?? st.ino, path, nlookup: 0, noXattrs: false }
      this.inoOfPath.delete(path)
      this.byId.set(node.nodeid, node)
    }
    node.nlookup++
    if (inUpper) this.bindKey(key, node)
    this.setPath(node, path) // for hard links: the name last looked up; any of them reaches the inode
    return node
  }

  /** The node id already known for the entry at `path`, without counting (readdir's inode numbers). */
  inoAt(path: string, st: BigIntStats): bigint {
    return (this.byPath.get(path) ?? this.byBacking.get(keyOf(st)))?.ino ?? st.ino
  }

  /** Records that the entry at `path` now lives in another backing inode (after a copy-up); its node, if known. */
  rebind(path: string, st: BigIntStats): Inode | undefined {
    const node = this.byPath.get(path)
    if (node) this.bindKey(keyOf(st), node)
    return node
  }

  forget(nodeid: bigint, n: number): void {
    const node = this.byId.get(nodeid)
    if (!node || nodeid === ROOT_ID) return
    node.nlookup -= n
    if (node.nlookup > 0) return
    this.byId.delete(nodeid)
    if (this.byPath.get(node.path) === node) this.byPath.delete(node.path)
    this.unbindKeys(node)
  }

  /** After a rename: every node at or below `from` moves below `to`; a node replaced at `to` is unlinked. */
  renamed(from: string, to: string): void {
    const moved = [...this.byPath.values()].filter((n) => isWithin(n.path, from))
    this.unlinked(to)
    for (const n of moved) this.setPath(n, to + n.path.slice(from.length))
  }

  /** After rename exchange: the two subtrees trade places. */
  exchanged(a: string, b: string): void {
    const atA = [...this.byPath.values()].filter((n) => isWithin(n.path, a))
    const atB = [...this.byPath.values()].filter((n) => isWithin(n.path, b))
    for (const n of [...atA, ...atB]) this.byPath.delete(n.path)
    for (const n of atA) this.setPath(n, b + n.path.slice(a.length))
    for (const n of atB) this.setPath(n, a + n.path.slice(b.length))
  }

  /**
   * The node keeps serving its open handles but the path gets a fresh node (with the same inode
   * number) at its next lookup: passthrough's answer to a copy-up under open files.
   */
  replace(node: Inode): void {
    if (this.byPath.get(node.path) === node) this.byPath.delete(node.path)
    this.unbindKeys(node)
    this.inoOfPath.set(node.path, node.ino)
  }

  /** The name is gone: its node keeps serving open handles but is no longer found by path. */
  unlinked(path: string): void {
    const node = this.byPath.get(path)
    if (node && node.path === path) this.byPath.delete(path)
  }

  private bindKey(key: string, node: Inode): void {
    const previous = this.byBacking.get(key)
    if (previous && previous !== node) this.keysOf.get(previous)?.delete(key)
    this.byBacking.set(key, node)
    let keys = this.keysOf.get(node)
    if (!keys) this.keysOf.set(node, (keys = new Set()))
    keys.add(key)
  }

  private unbindKeys(node: Inode): void {
    for (const key of this.keysOf.get(node) ?? []) if (this.byBacking.get(key) === node) this.byBacking.delete(key)
    this.keysOf.delete(node)
  }

  private setPath(node: Inode, path: string): void {
    if (this.byPath.get(node.path) === node) this.byPath.delete(node.path)
    node.path = path
    this.byPath.set(path, node)
  }
}
