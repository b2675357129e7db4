/**
 * The inode table: FUSE node ids for union paths, with the kernel's lookup counts.
 * Owns: one node per upper backing inode (hard links there share it; lower hard links do not, since
 *   copy-up breaks them name by name, as overlayfs without index does); a 64-bit inode number fixed when the node
 *   is made (the backing inode's), so it stays the same across copy-up; every name a node is known
 *   by, kept current across renames and unlinks (a hard-linked node serves through any name it still
 *   has); exact lookup counting (every LOOKUP, CREATE, MKNOD, MKDIR, SYMLINK, LINK and READDIRPLUS
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
  /** a name the node has; after its last name is unlinked, the last one it had */
  path: string
  /** the node's other names (upper hard links), null while it has one */
  others: string[] | null
  nlookup: number
  /**
   * Whether the node has no xattr a user can see (ops/xattr.ts): true, GETXATTR answers ENODATA
   * without a syscall (only SETXATTR through this mount can add one); false, it has some, so a
   * missing name is not worth a listxattr to find out more; null, not known yet.
   */
  noXattrs: boolean | null
  /** the upper backing inode the node is bound to (byBacking's key), null while only in the lowers */
  key: BackingKey | null
}

/** A backing inode: one number where dev and ino fit in 53 bits together (always on ext4), else a string. */
type BackingKey = number | string

const keyOf = (st: BigIntStats): BackingKey =>
  st.ino < 2n ** 32n && st.dev < 2n ** 20n ? Number(st.dev) * 2 ** 32 + Number(st.ino) : `${st.dev}:${st.ino}`

export class InodeTable {
  private readonly byId = new Map<bigint, Inode>()
  private readonly byBacking = new Map<BackingKey, Inode>()
  private readonly byPath = new Map<string, Inode>()
  /** inode numbers promised to the next node of a path (see replace) */
  private readonly inoOfPath = new Map<string, bigint>()
  private nextId = ROOT_ID + 1n

  constructor(rootStat: BigIntStats) {
    const root: Inode = {
      nodeid: ROOT_ID,
      ino: rootStat.ino,
      path: '',
      others: null,
      nlookup: 1,
      noXattrs: null,
      key: null,
    }
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
      const ino = this.inoOfPath.get(path) ?? st.ino
      node = { nodeid: this.nextId++, ino, path, others: null, nlookup: 0, noXattrs: null, key: null }
      this.inoOfPath.delete(path)
      this.byId.set(node.nodeid, node)
    }
    node.nlookup++
    if (inUpper) this.bindKey(key, node)
    this.addName(node, path)
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
    this.dropNames(node)
    this.unbindKeys(node)
  }

  /** After a rename: every node at or below `from` moves below `to`; a node replaced at `to` is unlinked. */
  renamed(from: string, to: string): void {
    const moved = this.namesWithin(from)
    this.unlinked(to)
    for (const [name, n] of moved) this.moveName(n, name, to + name.slice(from.length))
  }

  /** After rename exchange: the two subtrees trade places. */
  exchanged(a: string, b: string): void {
    const atA = this.namesWithin(a)
    const atB = this.namesWithin(b)
    for (const [name, n] of [...atA, ...atB]) this.dropName(n, name)
    for (const [name, n] of atA) this.addName(n, b + name.slice(a.length))
    for (const [name, n] of atB) this.addName(n, a + name.slice(b.length))
  }

  /**
   * The node keeps serving its open handles but the path gets a fresh node (with the same inode
   * number) at its next lookup: passthrough's answer to a copy-up under open files.
   */
  replace(node: Inode): void {
    for (const name of this.namesOf(node)) this.inoOfPath.set(name, node.ino)
    this.dropNames(node)
    this.unbindKeys(node)
  }

  /** The name is gone: its node keeps its other names, and serves open handles while it has none. */
  unlinked(path: string): void {
    const node = this.byPath.get(path)
    if (node) this.dropName(node, path)
  }

  /**
   * Binds the node to its upper backing inode. A node has one at most: an entry gets an upper
   * inode once (made there, or copied up), and keeps it until the node goes.
   */
  private bindKey(key: BackingKey, node: Inode): void {
    if (node.key === key) return
    const previous = this.byBacking.get(key)
    if (previous && previous !== node) previous.key = null
    this.unbindKeys(node)
    this.byBacking.set(key, node)
    node.key = key
  }

  private unbindKeys(node: Inode): void {
    if (node.key !== null && this.byBacking.get(node.key) === node) this.byBacking.delete(node.key)
    node.key = null
  }

  /** Every name at or below `path`, with its node. */
  private namesWithin(path: string): [string, Inode][] {
    return [...this.byPath].filter(([name]) => isWithin(name, path))
  }

  /** The names the node has now (none once the last one is unlinked). */
  private namesOf(node: Inode): string[] {
    const live = this.byPath.get(node.path) === node ? [node.path] : []
    return node.others ? [...live, ...node.others] : live
  }

  /** Gives the node the name `path`, which another node may have had (it loses it). */
  private addName(node: Inode, path: string): void {
    const holder = this.byPath.get(path)
    if (holder === node) return
    if (holder) this.dropName(holder, path)
    this.byPath.set(path, node)
    if (this.byPath.get(node.path) === node && node.path !== path) (node.others ??= []).push(path)
    else node.path = path
  }

  /** Takes the name `path` from the node; another of its names, if any, becomes its path. */
  private dropName(node: Inode, path: string): void {
    if (this.byPath.get(path) === node) this.byPath.delete(path)
    if (node.path === path) {
      const next = node.others?.pop()
      if (next !== undefined) node.path = next
    } else if (node.others) {
      node.others = node.others.filter((name) => name !== path)
    }
    if (node.others?.length === 0) node.others = null
  }

  private moveName(node: Inode, from: string, to: string): void {
    this.dropName(node, from)
    this.addName(node, to)
  }

  private dropNames(node: Inode): void {
    for (const name of this.namesOf(node)) this.dropName(node, name)
  }
}
