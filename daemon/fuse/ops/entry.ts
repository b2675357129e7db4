/**
 * Name operations: LOOKUP (negative entries for missing names), FORGET, BATCH_FORGET, MKDIR,
 * MKNOD, SYMLINK, LINK, UNLINK, RMDIR, RENAME, RENAME2. Each new entry counts one lookup. And the
 * reader's notes of the names it removed itself.
 */
import { splitDev } from '../../../native-bindings/index.js'
import { entryOut } from '../reply.js'
import { callerOf, childPath, entryFor, entryOfNode, forgetNode, type Handler, inodeOf } from './context.js'

export const lookup: Handler = (ctx, h, body) => {
  const path = childPath(ctx, h.nodeid, body.name(), 'lookup')
  try {
    const held = ctx.inodes.at(path) !== undefined
    const node = ctx.ov.lookup(path)
    if (!held && !node.stat.isDirectory()) ctx.statFollow.seen()
    return entryOfNode(ctx, node, false).entry
  } catch (err) {
    if ((err as { code?: string }).code !== 'ENOENT') throw err
    return entryOut(0, null, { entry: ctx.timeout.entry, attr: 0 }) // a negative entry
  }
}

export const forget: Handler = (ctx, h, body) => {
  forgetNode(ctx, h.nodeid, body.num64())
  return null
}

export const batchForget: Handler = (ctx, _h, body) => {
  const count = body.u32()
  body.skip(4)
  for (let i = 0; i < count; i++) forgetNode(ctx, body.nodeid(), body.num64())
  return null
}

export const mkdir: Handler = (ctx, h, body) => {
  const mode = body.u32()
  body.skip(4) // umask: the kernel applied it already (no DONT_MASK)
  const path = childPath(ctx, h.nodeid, body.name(), 'mkdir')
  ctx.ov.mkdir(path, mode, callerOf(h))
  return entryFor(ctx, path, true)
}

export const mknod: Handler = (ctx, h, body) => {
  const mode = body.u32()
  const rdev = body.u32()
  body.skip(8)
  const path = childPath(ctx, h.nodeid, body.name(), 'mknod')
  const [major, minor] = splitDev(BigInt(rdev))
  ctx.ov.mknod(path, mode, major, minor, callerOf(h))
  return entryFor(ctx, path, true)
}

export const symlink: Handler = (ctx, h, body) => {
  const path = childPath(ctx, h.nodeid, body.name(), 'symlink')
  const target = body.name()
  ctx.ov.symlink(target, path, callerOf(h))
  return entryFor(ctx, path, true)
}

export const link: Handler = async (ctx, h, body) => {
  const existing = inodeOf(ctx, body.nodeid()).path
  const path = childPath(ctx, h.nodeid, body.name(), 'link')
  await ctx.ov.link(existing, path)
  return entryFor(ctx, path)
}

function removal(syscall: 'unlink' | 'rmdir'): Handler {
  return (ctx, h, body) => {
    const path = childPath(ctx, h.nodeid, body.name(), syscall)
    ctx.ov[syscall](path)
    ctx.inodes.unlinked(path)
    return Buffer.alloc(0)
  }
}

export const unlink = removal('unlink')
export const rmdir = removal('rmdir')

/**
 * The reader's note that it removed a node's name itself (native-bindings/src/fuse-upper.h): the
 * node id in the header, then the lookups it counted and whether it was a directory. The engine
 * and the inode table learn what unlink and rmdir above would have told them; no reply.
 */
export const readerRemoved: Handler = (ctx, h, body) => {
  const lookups = body.num64()
  const dir = body.u32() === 1
  const inode = ctx.inodes.get(h.nodeid)
  if (!inode) return null // the reader knows only nodes this table has: cannot happen
  ctx.upper.removedByReader(inode, lookups)
  if (dir) ctx.ov.removedDir(inode.path)
  ctx.inodes.unlinked(inode.path)
  return null
}

const RENAME_EXCHANGE = 2

async function renameCommon(ctx: Parameters<Handler>[0], from: string, to: string, flags: number) {
  await ctx.ov.rename(from, to, flags)
  if (flags & RENAME_EXCHANGE) ctx.inodes.exchanged(from, to)
  else ctx.inodes.renamed(from, to)
  return Buffer.alloc(0)
}

export const rename: Handler = (ctx, h, body) => {
  const newdir = body.nodeid()
  const from = childPath(ctx, h.nodeid, body.name(), 'rename')
  const to = childPath(ctx, newdir, body.name(), 'rename')
  return renameCommon(ctx, from, to, 0)
}

export const rename2: Handler = (ctx, h, body) => {
  const newdir = body.nodeid()
  const flags = body.u32()
  body.skip(4)
  const from = childPath(ctx, h.nodeid, body.name(), 'rename')
  const to = childPath(ctx, newdir, body.name(), 'rename')
  return renameCommon(ctx, from, to, flags)
}
