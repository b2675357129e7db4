/**
 * Extended attributes: GETXATTR and LISTXATTR with size probing (size 0 asks for the length;
 * a too-small buffer is ERANGE), SETXATTR (flags; the extended form when negotiated), REMOVEXATTR.
 */
import { u32Out } from '../reply.js'
import { type Handler, inodeOf } from './context.js'

const sized = (data: Buffer, size: number): Buffer => {
  if (size === 0) return u32Out(data.length)
  if (data.length > size) throw Object.assign(new Error('buffer too small'), { code: 'ERANGE' })
  return data
}

export const getxattr: Handler = (ctx, h, body) => {
  const size = body.u32()
  body.skip(4)
  const name = body.name()
  return sized(ctx.ov.getxattr(inodeOf(ctx, h.nodeid).path, name), size)
}

export const listxattr: Handler = (ctx, h, body) => {
  const size = body.u32()
  body.skip(4)
  const names = ctx.ov.listxattr(inodeOf(ctx, h.nodeid).path)
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
    await ctx.ov.setxattr(inode.path, name, value, flags)
    return Buffer.alloc(0)
  }
}

export const removexattr: Handler = async (ctx, h, body) => {
  const inode = inodeOf(ctx, h.nodeid)
  await ctx.ov.removexattr(inode.path, body.name())
  return Buffer.alloc(0)
}
