/**
 * What every FUSE op handler gets: the engine, the inode and handle tables, cache timeouts, and
 * helpers from node ids to union paths and from engine attributes to FUSE attributes.
 */
import { markBareNode, type BareNodes, type WriterNodes } from '../../../native-bindings/index.js'
import { attrOf, type Attr, type Node, type Overlay } from '../../overlay/overlay.js'
import { checkName, joinPath } from '../../overlay/path.js'
import type { Listings } from '../dir-listing.js'
import type { FileHandles } from '../handles.js'
import type { Ino, Inode, InodeTable } from '../inodes.js'
import type { Logger } from '../errno.js'
import type { Passthrough } from '../passthrough.js'
import type { Prefetch } from '../prefetch.js'
import type { StatFollow } from '../stat-follow.js'
import { entryOut, type FuseAttr, type Timeout } from '../reply.js'
import type { Body, Header } from '../request.js'
import type { UpperMirror } from '../upper-mirror.js'

export interface Context {
  ov: Overlay
  inodes: InodeTable
  files: FileHandles
  /** directory listings being read (READDIR goes by node id) */
  listings: Listings
  timeout: Timeout
  log: Logger
  /** set once INIT negotiated passthrough */
  passthrough: Passthrough | null
  /** The node's attributes changed behind the kernel's back: its cache is dropped before the reply. */
  attrsChanged(inode: Inode): void
  /** the reader's copy of which nodes have no xattr (setNoXattrs keeps it in step) */
  bare: BareNodes
  /** the reader's copy of each node's writable descriptor (ops/file.ts keeps it in step) */
  writers: WriterNodes
  /** the reader's copy of the upper nodes' paths (entries and GETATTR register them) */
  upper: UpperMirror
  /** warms the backing caches ahead of listings */
  prefetch: Prefetch
  /** whether programs stat what they list: READDIRPLUS windows with attributes or names only */
  statFollow: StatFollow
}

/** null: the request gets no reply (FORGET, BATCH_FORGET, INTERRUPT). */
export type Handler = (ctx: Context, h: Header, body: Body) => Promise<Buffer | null> | Buffer | null

export class StaleNode extends Error {
  readonly code = 'ESTALE'
}

export function inodeOf(ctx: Context, nodeid: number): Inode {
  const node = ctx.inodes.get(nodeid)
  if (!node) throw new StaleNode(`unknown node id ${nodeid}`)
  return node
}

/** The union path of `name` in directory node `parent`; the name is checked first. */
export function childPath(ctx: Context, parent: number, name: string, syscall: string): string {
  checkName(name, syscall)
  if (name === '' || name === '.' || name.includes('/')) throw Object.assign(new Error('bad name'), { code: 'EINVAL' })
  return joinPath(inodeOf(ctx, parent).path, name)
}

export function fuseAttr(ino: Ino, a: Attr): FuseAttr {
  return { ...a, ino }
}

/**
 * Looks `path` up in the engine, counts a lookup, and encodes the entry (with attributes).
 * `made`: this mount has just made the entry, so it has no xattr a user can see, unless its
 * directory passes some on (a default ACL, a security label).
 */
export function entryFor(ctx: Context, path: string, made = false): Buffer {
  return entryOfNode(ctx, ctx.ov.lookup(path), made).entry
}

/** entryFor with the engine's node already in hand. */
export function entryOfNode(ctx: Context, node: Node, made: boolean): { inode: Inode; entry: Buffer } {
  const inode = ctx.inodes.remember(node.path, node.stat, node.upper !== null)
  if (made && !ctx.ov.newEntryMayHaveXattrs(node.path)) setNoXattrs(ctx, inode, true)
  ctx.upper.learn(inode, node)
  return { inode, entry: entryOut(inode.nodeid, fuseAttr(inode.ino, attrOf(node)), ctx.timeout) }
}

/**
 * Records whether a node has no xattr a user can see (Inode.noXattrs), and mirrors it into the
 * reader's set, which then answers the node's GETXATTR and LISTXATTR without a delivery: set it
 * false before anything that may add an xattr starts.
 */
export function setNoXattrs(ctx: Context, inode: Inode, none: boolean): void {
  if (inode.noXattrs === none) return
  inode.noXattrs = none
  markBareNode(ctx.bare, inode.nodeid, none)
}

/**
 * FORGET: a node dropped gives its id back for reuse, so the reader's mark on that id goes with it.
 * The lookups the reader's listings counted come first.
 */
export function forgetNode(ctx: Context, nodeid: number, n: number): void {
  const inode = ctx.inodes.get(nodeid)
  if (inode) ctx.upper.countLookups(inode)
  const dropped = ctx.inodes.forget(nodeid, n)
  if (!dropped) return
  ctx.upper.drop(dropped) // a node without names heard no name change: its id must not stay in the table
  if (dropped.noXattrs) markBareNode(ctx.bare, nodeid, false)
  ctx.listings.drop(nodeid)
}

export const callerOf = (h: Header) => ({ uid: h.uid, gid: h.gid })
