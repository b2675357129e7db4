/**
 * Which requests wait for a copy-up under way: a durable copy-up is handed to its opener before it
 * is in upper/ (overlay/copy-up.ts copyUpLater; its fsync is shared with the copy-ups around it),
 * so until it is installed the path still resolves to the lower file. A request that would see or
 * change that path waits for it; requests on open handles (their descriptor is the copy) and on
 * other names go on. What could reach the path some other way (a rename of a directory above it,
 * a listing of its directory, a hard link) waits for every copy-up under way.
 * Tests: test/integration/fuse-copy-up-later.test.ts
 */
import { joinPath } from '../overlay/path.js'
import { IN_HEADER, Op } from './abi.js'
import { Body, type Header } from './request.js'
import type { Context } from './ops/context.js'

/** Requests on handles (or on nothing) that never wait. */
const NEVER = new Set<number>([
  Op.READ,
  Op.RELEASE,
  Op.FLUSH,
  Op.LSEEK,
  Op.FALLOCATE,
  Op.FORGET,
  Op.BATCH_FORGET,
  Op.INTERRUPT,
  Op.STATFS,
  Op.OPENDIR,
  Op.RELEASEDIR,
  Op.INIT,
  Op.DESTROY,
])

/** Requests that read the node: a copy handed out answers them (Overlay.copyFdOf), or they wait as ON_NODE. */
const READS_NODE = new Set<number>([Op.GETATTR, Op.GETXATTR, Op.LISTXATTR])

/** Requests on the node itself: they wait for a copy-up of its path. */
const ON_NODE = new Set<number>([
  ...READS_NODE,
  Op.SETATTR,
  Op.OPEN,
  Op.ACCESS,
  Op.READLINK,
  Op.SETXATTR,
  Op.REMOVEXATTR,
  Op.FSYNC,
])

/** Requests on a name in the node (a directory): where the name starts in the body. */
const NAME_AT = new Map<number, number>([
  [Op.LOOKUP, 0],
  [Op.UNLINK, 0],
  [Op.RMDIR, 0],
  [Op.SYMLINK, 0],
  [Op.MKDIR, 8], // fuse_mkdir_in
  [Op.MKNOD, 16], // fuse_mknod_in
  [Op.CREATE, 16], // fuse_create_in
])

/** write_flags of WRITE: the caller may not keep setuid/setgid, which are dropped by path */
const WRITE_KILL_SUIDGID = 1 << 2
/** where write_flags sits in a WRITE body (after fh, offset, size) */
const WRITE_FLAGS_AT = 20

/**
 * What `req` must wait for before it is answered, or null (nothing under way touches it). `all`:
 * it waits for every copy-up under way. While such a request waits (`draining`, the promise it
 * waits for), OPENs wait behind it, so no new copy-up keeps it waiting for good.
 */
export function copyUpBefore(
  ctx: Context,
  h: Header,
  req: Buffer,
  draining: Promise<unknown> | null,
): { wait: Promise<unknown>; all: boolean } | null {
  if (!ctx.ov.copyUpsUnderWay || NEVER.has(h.opcode)) return null
  const one = (wait: Promise<unknown> | null) => (wait ? { wait, all: false } : null)
  if (h.opcode === Op.WRITE) return one(writeKillsSetid(req) ? onNode(ctx, h) : null)
  if (h.opcode === Op.OPEN) return one(onNode(ctx, h) ?? draining)
  if (ON_NODE.has(h.opcode)) return one(onNode(ctx, h))
  const at = NAME_AT.get(h.opcode)
  if (at === undefined) return { wait: ctx.ov.copyUpsSettled(), all: true }
  const dir = ctx.inodes.get(h.nodeid)
  if (!dir) return null // the handler answers an unknown node
  const body = new Body(req)
  try {
    body.skip(at)
    return one(ctx.ov.copyUpOf(joinPath(dir.path, body.name())) ?? null)
  } catch {
    return null // a malformed request: its handler answers it
  }
}

function onNode(ctx: Context, h: Header): Promise<unknown> | null {
  const inode = ctx.inodes.get(h.nodeid)
  if (!inode || (READS_NODE.has(h.opcode) && ctx.ov.copyFdOf(inode.path) !== undefined)) return null
  return ctx.ov.copyUpOf(inode.path) ?? null
}

function writeKillsSetid(req: Buffer): boolean {
  const at = IN_HEADER + WRITE_FLAGS_AT
  return req.length >= at + 4 && (req.readUInt32LE(at) & WRITE_KILL_SUIDGID) !== 0
}
