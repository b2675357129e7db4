/**
 * Attribute operations: GETATTR (from an open handle when given, so unlinked open files still
 * answer), SETATTR (mode, owner, size, ns times, UTIME_NOW), READLINK, STATFS, ACCESS.
 */
import { fstatSync } from 'node:fs'
import { attrOf, attrOfStat, type Attr, type SetAttr } from '../../overlay/overlay.js'
import { FsError } from '../../overlay/fs-error.js'
import { encodeName } from '../../overlay/names.js'
import { Fattr } from '../abi.js'
import type { Ino, Inode } from '../inodes.js'
import { attrOut, statfsOut } from '../reply.js'
import { type Context, fuseAttr, type Handler, inodeOf } from './context.js'

const GETATTR_FH = 1

const attrFromFd = (ino: Ino, fd: number) => fuseAttr(ino, attrOfStat(fstatSync(fd, { bigint: true })))

/**
 * A node that lost its last name (a shell's directory removed under it, a file renamed over):
 * another node may hold its old path, so it answers from a handle open on it, else ENOENT.
 */
function nameless(ctx: Context, inode: Inode): Buffer {
  const any = ctx.files.anyOf(inode, false)
  if (!any) throw new FsError('ENOENT', 'getattr', inode.path)
  return attrOut(attrFromFd(inode.ino, any.fd), ctx.timeout.attr)
}

export const getattr: Handler = (ctx, h, body) => {
  const flags = body.u32()
  body.skip(4)
  const fh = body.fh()
  const inode = inodeOf(ctx, h.nodeid)
  // a handle open for writing is on the node's upper copy: its fstat is the node's, path or not
  const open = (flags & GETATTR_FH ? ctx.files.get(fh) : undefined) ?? ctx.files.anyOf(inode, true)
  if (open) return attrOut(attrFromFd(inode.ino, open.fd), ctx.timeout.attr)
  if (ctx.inodes.at(inode.path) !== inode) return nameless(ctx, inode)
  const early = ctx.ov.copyFdOf(inode.path) // a copy not yet installed is the node (copy-up-gate.ts)
  if (early !== undefined) return attrOut(attrFromFd(inode.ino, early), ctx.timeout.attr)
  try {
    const node = ctx.ov.lookup(inode.path)
    ctx.upper.learn(inode, node) // its next GETATTR is the reader's
    return attrOut(fuseAttr(inode.ino, attrOf(node)), ctx.timeout.attr)
  } catch (err) {
    // Renamed away or unlinked while open: the kernel may still ask, without a handle.
    const any = ctx.files.anyOf(inode, false)
    if (!any || (err as { code?: string }).code !== 'ENOENT') throw err
    return attrOut(attrFromFd(inode.ino, any.fd), ctx.timeout.attr)
  }
}

function decodeSetattr(body: Parameters<Handler>[2]): { attr: SetAttr; fh: number | null } {
  const valid = body.u32()
  body.skip(4) // padding
  const fh = valid & Fattr.FH ? body.fh() : (body.skip(8), null)
  const size = body.num64()
  body.skip(8) // lock_owner
  const atime = body.u64()
  const mtime = body.u64()
  body.skip(8) // ctime
  const atimensec = body.u32()
  const mtimensec = body.u32()
  body.skip(4)
  const mode = body.u32()
  body.skip(4)
  const uid = body.u32()
  const gid = body.u32()
  const a: SetAttr = {}
  if (valid & Fattr.MODE) a.mode = mode
  if (valid & Fattr.UID) a.uid = uid
  if (valid & Fattr.GID) a.gid = gid
  if (valid & Fattr.SIZE) a.size = size
  if (valid & Fattr.KILL_SUIDGID) a.killSuidgid = true
  if (valid & Fattr.ATIME)
    a.atime = valid & Fattr.ATIME_NOW ? 'now' : BigInt.asIntN(64, atime) * 1_000_000_000n + BigInt(atimensec)
  if (valid & Fattr.MTIME)
    a.mtime = valid & Fattr.MTIME_NOW ? 'now' : BigInt.asIntN(64, mtime) * 1_000_000_000n + BigInt(mtimensec)
  return { attr: a, fh }
}

/**
 * SETATTR. Through a writable handle the change goes through its fd on the upper copy: no path to
 * resolve, and it works after the name is gone. fchown, fchmod and futimens send no handle (only
 * ftruncate does), so a handle-less SETATTR of a node open for writing (tar sets every file's
 * owner, mode and times so) uses that open file too. Otherwise through the path (copied up first).
 */
export const setattr: Handler = (ctx, h, body) => {
  const inode = inodeOf(ctx, h.nodeid)
  const { attr, fh } = decodeSetattr(body)
  const given = fh === null ? undefined : ctx.files.get(fh)
  const open = given?.writable && given.inode === inode ? given : ctx.files.anyOf(inode, true)
  const reply = (out: Attr) => attrOut(fuseAttr(inode.ino, out), ctx.timeout.attr)
  if (open) return reply(ctx.ov.setattrOpen(inode.path, open.fd, attr))
  return ctx.ov.setattr(inode.path, attr).then(reply)
}

export const readlink: Handler = (ctx, h) => encodeName(ctx.ov.readlink(inodeOf(ctx, h.nodeid).path))

export const statfs: Handler = (ctx: Context) => {
  const s = ctx.ov.statfs()
  return statfsOut({
    blocks: s.blocks,
    bfree: s.bfree,
    bavail: s.bavail,
    files: s.files,
    ffree: s.ffree,
    bsize: s.bsize,
  })
}

/** With default_permissions the kernel checks modes itself; ACCESS only asks whether the node exists. */
export const access: Handler = (ctx, h) => {
  ctx.ov.getattr(inodeOf(ctx, h.nodeid).path)
  return Buffer.alloc(0)
}
