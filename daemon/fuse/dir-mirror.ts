/**
 * The reader's table of upper directories (native-bindings/src/fuse-dirs.c), kept by JavaScript:
 * a directory node is registered with its upper path when a request resolves it (LOOKUP, MKDIR,
 * READDIRPLUS entries, GETATTR), and taken out before its name changes (the inode table calls
 * `drop` from every rename, unlink and FORGET), so the reader only ever answers for a node whose
 * path is what the engine would resolve. Registered: directories in upper/ whose upper path has no
 * escaped bytes (it is then the plain string) and fits in PATH_MAX, and whose inode number is a number.
 * Tests: test/integration/fuse-dirs.test.ts
 */
import { createDirNodes, setDirNode, type DirNodes } from '../../native-bindings/index.js'
import { hasEscapes } from '../overlay/names.js'
import { isDir, type Node } from '../overlay/lookup.js'
import type { Inode } from './inodes.js'
import type { Timeout } from './reply.js'

/** Linux's PATH_MAX: a longer upper path cannot be given to lstat as it is (backing-fs.ts goes round that). */
const PATH_MAX = 4096

export class DirMirror {
  readonly table: DirNodes
  /** node ids registered in the table, so a name change of any other node costs no addon call */
  private readonly known = new Set<number>()

  constructor(timeout: Timeout) {
    this.table = createDirNodes(timeout.attr, timeout.entry)
  }

  /** Registers `inode` if `node` (its fresh resolution) is a directory in upper/. */
  learn(inode: Inode, node: Node): void {
    if (this.known.has(inode.nodeid) || !isDir(node) || node.upper === null) return
    if (typeof inode.ino !== 'number' || inode.path !== node.path || hasEscapes(node.upper)) return
    if (node.upper.length >= PATH_MAX / 3 && Buffer.byteLength(node.upper) >= PATH_MAX) return // resolved in JS only
    setDirNode(this.table, inode.nodeid, node.upper, inode.ino, node.lowerDir !== null)
    this.known.add(inode.nodeid)
  }

  /** The node's name is about to change, or it goes: the reader must not answer for it any more. */
  drop(inode: Inode): void {
    if (!this.known.delete(inode.nodeid)) return
    setDirNode(this.table, inode.nodeid, null)
  }
}
