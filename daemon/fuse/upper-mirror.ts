/**
 * The reader's table of nodes in upper/ (native-bindings/src/fuse-upper.c), kept by JavaScript: a
 * directory or regular file node is registered with its upper path when a request resolves it
 * (LOOKUP, CREATE, MKDIR, READDIRPLUS entries, GETATTR), and taken out before its name changes (the
 * inode table calls `drop` from every rename, link, unlink and FORGET), so the reader only ever
 * answers for a node whose path is what the engine would resolve. Registered: nodes whose upper
 * path has no escaped bytes (it is then the plain string) and fits in PATH_MAX, and whose inode
 * number is a number. A node is settable (the reader answers its SETATTR) once the change journal
 * has its path (Overlay.changeHeard), since the reader cannot write to the journal.
 * Which nodes are registered is kept in each Inode (`mirrored`), so it costs no memory of its own.
 * The reader's listings of upper-only directories link directory nodes (a direntplus counts a
 * lookup): those lookups are added to the node's count when it is taken out, and at FORGET.
 * The reader also makes regular files in upper-only directories itself (CREATE: fuse-create.c),
 * under node ids set aside here (the inode table's reserve), and registers them at once.
 * Tests: test/integration/fuse-upper.test.ts, test/integration/fuse-upper-readdir.test.ts,
 * test/integration/fuse-upper-remove.test.ts
 */
import {
  createUpperNodes,
  dropUpperNode,
  enableUpperCreate,
  giveUpperIds,
  setUpperNode,
  takeUpperLookups,
} from '../../native-bindings/index.js'
import type { UpperNodes } from '../../native-bindings/index.js'
import { hasEscapes } from '../overlay/names.js'
import { isDir, type Node } from '../overlay/lookup.js'
import type { Inode } from './inodes.js'
import type { Timeout } from './reply.js'

/** Linux's PATH_MAX: a longer upper path cannot be given to lstat as it is (backing-fs.ts goes round that). */
const PATH_MAX = 4096
const MIRRORED = 1
const SETTABLE = 2
/** Node ids the reader holds for its CREATE: topped up to this when half are used. */
const SPARE = 256

export class UpperMirror {
  readonly table: UpperNodes
  /** the node ids the reader holds for its CREATE (0 until enableCreate) */
  private spare = 0
  private reserve: ((n: number) => number[]) | null = null

  /**
   * `heard(path)`: whether the change journal has the path already (Overlay.changeHeard);
   * `holder(path)`: the node the inode table has at the path (a node that lost its last name keeps
   * it as its path, and another node may hold it now)
   */
  constructor(
    timeout: Timeout,
    private readonly heard: (path: string) => boolean,
    private readonly holder: (path: string) => Inode | undefined,
  ) {
    this.table = createUpperNodes(timeout.attr, timeout.entry)
  }

  /** Registers `inode` if `node` (its fresh resolution) is a directory or regular file in upper/. */
  learn(inode: Inode, node: Node): void {
    if (inode.mirrored === SETTABLE || node.upper === null) return
    const dir = isDir(node)
    if (!dir && !node.stat.isFile()) return
    const settable = this.heard(node.path)
    if (inode.mirrored === MIRRORED && !settable) return
    if (typeof inode.ino !== 'number' || inode.path !== node.path || hasEscapes(node.upper)) return
    if (this.holder(node.path) !== inode) return // nameless: the path is another node's now
    if (node.upper.length >= PATH_MAX / 3 && Buffer.byteLength(node.upper) >= PATH_MAX) return // resolved in JS only
    setUpperNode(this.table, inode.nodeid, node.upper, inode.ino, {
      dir,
      lower: dir && node.lowerDir !== null,
      settable,
    })
    inode.mirrored = settable ? SETTABLE : MIRRORED
  }

  /** The node's name is about to change, or it goes: the reader must not answer for it any more. */
  drop(inode: Inode): void {
    if (inode.mirrored === 0) return
    inode.nlookup += dropUpperNode(this.table, inode.nodeid)
    inode.mirrored = 0
  }

  /**
   * The reader removed the node's name itself (UNLINK, RMDIR: fuse-upper.c) and took it out of its
   * table, handing over the lookups it had counted.
   */
  removedByReader(inode: Inode, lookups: number): void {
    inode.nlookup += lookups
    inode.mirrored = 0
  }

  /** Before FORGET takes lookups away: adds those the reader counted to the node's. */
  countLookups(inode: Inode): void {
    if (inode.mirrored !== 0) inode.nlookup += takeUpperLookups(this.table, inode.nodeid)
  }

  /**
   * Lets the reader make regular files in upper-only directories (fuse-create.c), with node ids
   * `reserve` sets aside: SPARE now, topped up after each creation it reports.
   */
  enableCreate(fuseFd: number, ids: { uid: number; gid: number; umask: number }, reserve: (n: number) => number[]) {
    this.reserve = reserve
    enableUpperCreate(this.table, fuseFd, ids)
    this.spare = giveUpperIds(this.table, Uint32Array.from(reserve(SPARE)))
  }

  /** The reader made `inode` (registered there as settable already) and used one of its spare ids. */
  createdByReader(inode: Inode): void {
    inode.mirrored = SETTABLE
    if (--this.spare < SPARE / 2 && this.reserve)
      this.spare = giveUpperIds(this.table, Uint32Array.from(this.reserve(SPARE - this.spare)))
  }
}
