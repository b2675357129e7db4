/**
 * Extended attributes: GETXATTR and LISTXATTR with size probing (size 0 asks for the length;
 * a too-small buffer is ERANGE), SETXATTR (flags; the extended form when negotiated), REMOVEXATTR.
 * The kernel caches no xattr, and asks for some on every file: security.capability before each
 * write and chown, security.selinux and the ACLs for each `ls -l`. So a node learns once that it
 * has no xattr a user can see (a new entry knows it from birth) and answers those without a syscall
 * until a SETXATTR through this mount; the poll reader answers those itself (setNoXattrs).
 */
import { u32Out } from '../reply.js'
import { type Handler, inodeOf, setNoXattrs } from './context.js'

const sized = (data: Buffer, size: number): Buffer => {
  if (size === 0) return u32Out(data.length)
  if (data.length > size) throw Object.assign(new Error('buffer too small'), { code: 'ERANGE' })
  return data
}

/** Thrown again and again: no stack to capture for the commonest answer. */
const NO_XATTR = Object.freeze(Object.assign(new Error('no such attribute'), { code: 'ENODATA' }))

export const getxattr: Handler = (ctx, h, body) => {
  const size = body.u32()
  body.skip(4)
  const name = body.name()
  const inode = inodeOf(ctx, h.nodeid)
  // the first question about a node lists its xattrs: most nodes have none, and then that one
  // syscall answers this and every later miss
  if (inode.noXattrs === null) setNoXattrs(ctx, inode, ctx.ov.listxattr(inode.path).length === 0)
  if (inode.noXattrs) throw NO_XATTR
  return sized(ctx.ov.getxattr(inode.path, name), size)
}

export const listxattr: Handler = (ctx, h, body) => {
  const size = body.u32()
  body.skip(4)
  const inode = inodeOf(ctx, h.nodeid)
  const names = inode.noXattrs ? [] : ctx.ov.listxattr(inode.path)
  setNoXattrs(ctx, inode, names.length === 0)
  return sized(Buffer.from(names.map((n) => `${n}\0`).join('')), size)
}

export function setxattrHandler(extended: boolean): Handler {
  return async (ctx, h, body) => {
    const size = body.u32()
    const flags = body.u32()
    if (extended) body.skip(8) // setxattr_flags (ACL handling), padding
    const name = body.name()
    const value = Buffer.from(body.bytes(size))
    const inode = inodeOf(ctx, h.nodeid)
    setNoXattrs(ctx, inode, false) // before: a failure part way must not leave it claimed
    await ctx.ov.setxattr(inode.path, name, value, flags)
    setNoXattrs(ctx, inode, false) // and after: a GETXATTR may have answered while the copy-up ran
    return Buffer.alloc(0)
  }
}

export const removexattr: Handler = async (ctx, h, body) => {
  const inode = inodeOf(ctx, h.nodeid)
  await ctx.ov.removexattr(inode.path, body.name())
  return Buffer.alloc(0)
}
