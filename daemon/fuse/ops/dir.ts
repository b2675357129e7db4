/**
 * Directory handles: OPENDIR (entries snapshot, so offsets stay stable; the kernel may cache the
 * listing), READDIR, READDIRPLUS
 * (each entry returned counts a lookup), RELEASEDIR, FSYNCDIR.
 * READDIRPLUS also learns whether each entry has xattrs (one llistxattr): `ls -l` asks for two
 * per entry next, and for a bare node the reader answers those without JavaScript (ops/xattr.ts).
 * An entry whose node the kernel already holds (a file made through this mount, a name looked up
 * before) costs no stat: its dirent carries the node's inode number and an empty entry.
 */
import { DType, Fopen } from '../abi.js'
import { direntSize, entryOut, openOut, writeDirent } from '../reply.js'
import { fuseAttr, inodeOf, setNoXattrs, type Context, type Handler } from './context.js'
import { attrOf } from '../../overlay/overlay.js'
import { joinPath } from '../../overlay/path.js'
import type { DirEntry } from '../../overlay/readdir.js'
import type { Ino, Inode } from '../inodes.js'

export const opendir: Handler = (ctx, h) => {
  const inode = inodeOf(ctx, h.nodeid)
  ctx.ov.checkDir(inode.path) // ENOTDIR/ENOENT now rather than at the first READDIR
  const fh = ctx.dirs.add({ inode, entries: null })
  // The kernel may keep the listing across opens: it drops it itself whenever the directory changes
  // through this mount, and nothing else changes the layers. So the listing is read at the first
  // READDIR, which a cached directory never sends.
  return openOut(fh, Fopen.CACHE_DIR | Fopen.KEEP_CACHE)
}

function listing(ctx: Context, fh: number) {
  const dh = ctx.dirs.get(fh)
  if (!dh) throw Object.assign(new Error('bad directory handle'), { code: 'EBADF' })
  dh.entries ??= [
    { name: '.', type: 'dir' as const },
    { name: '..', type: 'dir' as const },
    ...ctx.ov.readdir(dh.inode.path),
  ]
  return { dh, entries: dh.entries }
}

/**
 * A direntplus entry of node id 0: the kernel links nothing and counts no lookup ('.' and '..', and
 * names whose node the kernel already holds, with attributes our invalidations keep exact).
 */
const NO_ENTRY = entryOut(0, null, { entry: 0, attr: 0 })

function readdirCommon(ctx: Context, body: Parameters<Handler>[2], plus: boolean) {
  const fh = body.fh()
  const offset = body.num64()
  const size = body.u32()
  const { dh, entries } = listing(ctx, fh)
  // The kernel offers up to max_pages (1 MiB) where a directory needs a few hundred bytes: size the
  // reply by what fits, so no request zero-fills a megabyte.
  let end = offset
  let bytes = 0
  for (; end < entries.length; end++) {
    const need = direntSize((entries[end] as DirEntry).name, plus)
    if (bytes + need > size) break
    bytes += need
  }
  const out = Buffer.alloc(bytes)
  let used = 0
  for (let i = offset; i < end; i++) {
    const e = entries[i] as DirEntry
    const { ino, entry } = direntOf(ctx, dh.inode, e, plus)
    used += writeDirent(out, used, { ino, off: i + 1, type: DType[e.type], name: e.name }, entry)
  }
  return out
}

/** One entry's inode number and, for READDIRPLUS, its fuse_entry_out (counting a lookup when it links a node). */
function direntOf(ctx: Context, dir: Inode, e: DirEntry, plus: boolean): { ino: Ino; entry: Buffer | null } {
  if (e.name === '.' || e.name === '..') return { ino: dir.ino, entry: plus ? NO_ENTRY : null }
  const path = joinPath(dir.path, e.name)
  const known = ctx.inodes.at(path)
  // The kernel has this node and its attributes: the entry needs no stat. Not for a directory:
  // the kernel drops a directory's dentry when its mode changes (tar's chmod of every directory it
  // made), and a full entry here revalidates it, where an empty one leaves a LOOKUP to follow.
  if (known && !(plus && e.type === 'dir')) return { ino: known.ino, entry: plus ? NO_ENTRY : null }
  const node = ctx.ov.lookup(path)
  if (!plus) return { ino: ctx.inodes.inoAt(path, node.stat), entry: null }
  const inode = ctx.inodes.remember(path, node.stat, node.upper !== null)
  if (inode.noXattrs === null) setNoXattrs(ctx, inode, ctx.ov.listxattrOf(node).length === 0)
  return { ino: inode.ino, entry: entryOut(inode.nodeid, fuseAttr(inode.ino, attrOf(node)), ctx.timeout) }
}

export const readdir: Handler = (ctx, _h, body) => readdirCommon(ctx, body, false)
export const readdirplus: Handler = (ctx, _h, body) => readdirCommon(ctx, body, true)

export const releasedir: Handler = (ctx, _h, body) => {
  ctx.dirs.take(body.fh())
  return Buffer.alloc(0)
}

export const fsyncdir: Handler = () => Buffer.alloc(0)
