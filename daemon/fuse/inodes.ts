/**
 * The inode table: FUSE node ids for union paths, with the kernel's lookup counts.
 * Owns: one node per upper backing inode (hard links there share it; lower hard links do not, since
 *   copy-up breaks them name by name, as overlayfs without index does); a 64-bit inode number fixed when the node
 *   is made (the backing inode's), so it stays the same across copy-up (a directory removed while
 *   held gives its backing inode's number up: the next directory with it is a new node); every name a node is known
 *   by, kept current across renames and unlinks (a hard-linked node serves through any name it still
 *   has); exact lookup counting (every LOOKUP, CREATE, MKNOD, MKDIR, SYMLINK, LINK and READDIRPLUS
 *   entry adds one, FORGET takes n away; a node goes at zero, the root never).
 * Memory: a node id is a slot in an array (8 bytes a node, where a Map entry cost about 45), and the
 *   id of a forgotten node is given to the next new one; ids and inode numbers are plain numbers (an
 *   inode number past 2^53 stays a bigint), so no node holds a BigInt. bench/ counts bytes per inode.
 * Never: reuses a node id while the kernel may still hold it (only after FORGET took its count to 0).
 * Tests: test/unit/fuse/inodes.test.ts
 */
import type { BigIntStats } from 'node:fs'
import { isWithin } from '../overlay/path.js'

export const ROOT_ID = 1

/** An inode number as the kernel sees it: a number below 2^53 (every ext4 and xfs one), else a bigint. */
export type Ino = number | bigint

export const inoOf = (ino: bigint): Ino => (ino <= MAX_SAFE ? Number(ino) : ino)

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER)

/**
 * Inode.counts: noXattrs in the low 2 bits (unknown, none, some), the mirror state in the next 2
 * (not mirrored, mirrored, mirrored and settable: upper-mirror.ts), nlookup above them
 */
const XATTRS_UNKNOWN = 0
const XATTRS_NONE = 1
const XATTRS_SOME = 2
const XATTRS = 4
const MIRROR = 4
const LOOKUP = 16

/**
 * One class, so every node has the same hidden class (and heap snapshots count them by name), with
 * five fields (80 -> 64 bytes a node): a hard link's other names live in the table, the lookup
 * count and the xattr flag share one small integer.
 */
export class Inode {
  /** the upper backing inode the node is bound to (byBacking's key), null while only in the lowers */
  key: BackingKey | null = null
  /** nlookup * LOOKUP + the mirror state * MIRROR + the XATTRS_ state */
  private counts = XATTRS_UNKNOWN

  constructor(
    readonly nodeid: number,
    /** the inode number the kernel sees, fixed for the node's life */
    readonly ino: Ino,
    /** a name the node has; after its last name is unlinked, the last one it had */
    public path: string,
  ) {}

  /** the kernel's lookup count */
  get nlookup(): number {
    return Math.floor(this.counts / LOOKUP)
  }

  set nlookup(n: number) {
    this.counts = n * LOOKUP + (this.counts % LOOKUP)
  }

  /**
   * Whether the node has no xattr a user can see (ops/xattr.ts): true, GETXATTR answers ENODATA
   * without a syscall (only SETXATTR through this mount can add one); false, it has some, so a
   * missing name is not worth a listxattr to find out more; null, not known yet.
   */
  get noXattrs(): boolean | null {
    const x = this.counts % XATTRS
    return x === XATTRS_UNKNOWN ? null : x === XATTRS_NONE
  }

  set noXattrs(v: boolean | null) {
    this.counts = this.counts - (this.counts % XATTRS) + (v === null ? XATTRS_UNKNOWN : v ? XATTRS_NONE : XATTRS_SOME)
  }

  /**
   * Whether the reader's table of upper nodes holds this node (upper-mirror.ts): 0 no, 1 yes, 2 yes
   * and its SETATTR may be answered there.
   */
  get mirrored(): 0 | 1 | 2 {
    return Math.floor((this.counts % LOOKUP) / MIRROR) as 0 | 1 | 2
  }

  set mirrored(v: 0 | 1 | 2) {
    this.counts = this.counts - this.mirrored * MIRROR + v * MIRROR
  }
}

/** A backing inode: one number where dev and ino fit in 53 bits together (always on ext4), else a string. */
type BackingKey = number | string

const keyOfIds = (dev: bigint, ino: bigint): BackingKey =>
  ino < 2n ** 32n && dev < 2n ** 20n ? Number(dev) * 2 ** 32 + Number(ino) : `${dev}:${ino}`

const keyOf = (st: BigIntStats): BackingKey => keyOfIds(st.dev, st.ino)

export class InodeTable {
  /** node id -> node; an id's slot is undefined while free (a hole would make the array sparse) */
  private readonly byId: (Inode | undefined)[] = [undefined]
  /** ids of forgotten nodes, handed out again before the array grows */
  private readonly freeIds: number[] = []
  private count = 0
  private readonly byBacking = new Map<BackingKey, Inode>()
  private readonly byPath = new Map<string, Inode>()
  /** inode numbers promised to the next node of a path (see replace) */
  private readonly inoOfPath = new Map<string, Ino>()
  /** a node's names other than its path (upper hard links); no entry while it has one */
  private readonly others = new Map<Inode, string[]>()

  /** `onNameChange` hears of a node before any of its names changes (a rename, an unlink, FORGET). */
  constructor(
    rootStat: BigIntStats,
    private readonly onNameChange: (node: Inode) => void = () => undefined,
  ) {
    const root = new Inode(ROOT_ID, inoOf(rootStat.ino), '')
    root.nlookup = 1
    this.byId[ROOT_ID] = root
    this.count = 1
    this.byPath.set('', root)
    this.bindKey(keyOf(rootStat), root)
  }

  get(nodeid: number): Inode | undefined {
    return this.byId[nodeid]
  }

  /** nodes known (the root included) */
  get size(): number {
    return this.count
  }

  /**
   * The node for the entry at `path` whose visible backing is `st`, counting one lookup.
   * A known backing inode (a hard link, or the same file) or a known path (the same entry after a
   * copy-up changed its backing) keeps its node and inode number.
   */
  remember(path: string, st: BigIntStats, inUpper: boolean): Inode {
    const key = keyOf(st)
    let node = (inUpper ? this.byBacking.get(key) : undefined) ?? this.byPath.get(path)
    // A directory removed while the kernel still holds it (a shell's working directory, an open
    // fd) is nameless: no OPENDIR keeps its backing inode alive, so the backing filesystem may give
    // its number to the next directory made. That one is another node.
    if (node && st.isDirectory() && !this.hasName(node)) node = this.byPath.get(path)
    if (!node) {
      const ino = this.inoOfPath.get(path) ?? inoOf(st.ino)
      node = new Inode(this.freeIds.pop() ?? this.byId.length, ino, path)
      this.inoOfPath.delete(path)
      this.byId[node.nodeid] = node
      this.count++
    }
    node.nlookup++
    if (inUpper) this.bindKey(key, node)
    this.addName(node, path)
    return node
  }

  /**
   * Sets `n` node ids aside for nodes the reader makes itself (fuse-upper.c answer_create): they are
   * not handed out here until `adopt` fills them. An id set aside and never used stays unused.
   */
  reserve(n: number): number[] {
    const ids: number[] = []
    for (let i = 0; i < n; i++) {
      const id = this.freeIds.pop() ?? this.byId.length
      if (id === this.byId.length) this.byId.push(undefined)
      ids.push(id)
    }
    return ids
  }

  /**
   * The node the reader made at `path` under an id `reserve` set aside: a new file in upper/ with
   * backing inode (dev, ino), looked up once (its CREATE).
   */
  adopt(nodeid: number, path: string, ino: bigint, dev: bigint): Inode {
    if (this.byId[nodeid] !== undefined) throw new Error(`node id ${nodeid} is not free`)
    const node = new Inode(nodeid, inoOf(ino), path)
    this.inoOfPath.delete(path) // the kernel was given the file's own number
    this.byId[nodeid] = node
    this.count++
    node.nlookup = 1
    this.bindKey(keyOfIds(dev, ino), node)
    this.addName(node, path)
    return node
  }

  /** The node the kernel holds at `path` (its lookup count is above 0), without counting one more. */
  at(path: string): Inode | undefined {
    return this.byPath.get(path)
  }

  /** The inode number already known for the entry at `path`, without counting (readdir's inode numbers). */
  inoAt(path: string, st: BigIntStats): Ino {
    return (this.byPath.get(path) ?? this.byBacking.get(keyOf(st)))?.ino ?? inoOf(st.ino)
  }

  /** Records that the entry at `path` now lives in another backing inode (after a copy-up); its node, if known. */
  rebind(path: string, st: BigIntStats): Inode | undefined {
    const node = this.byPath.get(path)
    if (node) this.bindKey(keyOf(st), node)
    return node
  }

  /** FORGET: `n` lookups fewer; returns the node when that dropped it (its id is free again). */
  forget(nodeid: number, n: number): Inode | undefined {
    const node = this.byId[nodeid]
    if (!node || nodeid === ROOT_ID) return undefined
    node.nlookup -= n
    if (node.nlookup > 0) return undefined
    this.byId[nodeid] = undefined
    this.freeIds.push(nodeid)
    this.count--
    this.dropNames(node)
    this.unbindKeys(node)
    this.others.delete(node)
    return node
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

  private hasName(node: Inode): boolean {
    return this.byPath.get(node.path) === node || this.others.has(node)
  }

  /** Every name at or below `path`, with its node. */
  private namesWithin(path: string): [string, Inode][] {
    return [...this.byPath].filter(([name]) => isWithin(name, path))
  }

  /** The names the node has now (none once the last one is unlinked). */
  private namesOf(node: Inode): string[] {
    const live = this.byPath.get(node.path) === node ? [node.path] : []
    const others = this.others.get(node)
    return others ? [...live, ...others] : live
  }

  /** Gives the node the name `path`, which another node may have had (it loses it). */
  private addName(node: Inode, path: string): void {
    const holder = this.byPath.get(path)
    if (holder === node) return
    this.onNameChange(node)
    if (holder) this.dropName(holder, path)
    this.byPath.set(path, node)
    if (this.byPath.get(node.path) !== node || node.path === path) {
      node.path = path
      return
    }
    const others = this.others.get(node)
    if (others) others.push(path)
    else this.others.set(node, [path])
  }

  /** Takes the name `path` from the node; another of its names, if any, becomes its path. */
  private dropName(node: Inode, path: string): void {
    this.onNameChange(node)
    if (this.byPath.get(path) === node) this.byPath.delete(path)
    const others = this.others.get(node)
    if (!others) return
    if (node.path === path) node.path = others.pop() as string
    else if (others.includes(path)) others.splice(others.indexOf(path), 1)
    if (others.length === 0) this.others.delete(node)
  }

  private moveName(node: Inode, from: string, to: string): void {
    this.dropName(node, from)
    this.addName(node, to)
  }

  private dropNames(node: Inode): void {
    for (const name of this.namesOf(node)) this.dropName(node, name)
  }
}
