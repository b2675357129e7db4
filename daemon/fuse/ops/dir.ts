/**
 * Directories: READDIR and READDIRPLUS by node id (dir-listing.ts: no handles, offsets are cookies
 * of the names), each READDIRPLUS entry counting a lookup when it links a node; OPENDIR and
 * RELEASEDIR only where the kernel cannot do without them (before Linux 5.1: a handle of 0 that
 * lets the kernel cache the listing), FSYNCDIR.
 * The kernel asks for READDIRPLUS always; a window carries attributes or names only as
 * stat-follow.ts decides (a directory's first always has them). One with attributes also learns
 * whether each entry has xattrs (one llistxattr): `ls -l` asks for two per entry next, and for a
 * bare node the reader answers those without JavaScript (ops/xattr.ts). Before a window is read,
 * the backing caches of the entries it will look up are warmed side by side (prefetch.ts).
 * An entry whose node the kernel already holds (a file made through this mount, a name looked up
 * before) costs no stat: its dirent carries the node's inode number and an empty entry.
 * A directory no lower layer shows, whose entries are all nodes the kernel holds (a tree untarred
 * through the mount), is listed by the reader itself with the same bytes (fuse-listing.c); what
 * comes here is the rest, and a reader may go on here from an offset the reader gave, or back.
 */
import { DType, Fopen } from '../abi.js'
import { direntSize, entryOut, openOut, writeDirent } from '../reply.js'
import { fuseAttr, inodeOf, setNoXattrs, type Context, type Handler } from './context.js'
import { attrOf } from '../../overlay/overlay.js'
import { hasCode } from '../../overlay/fs-error.js'
import type { Node } from '../../overlay/lookup.js'
import { joinPath } from '../../overlay/path.js'
import { firstAfter, fitting, listingOf, type Listed } from '../dir-listing.js'
import type { Ino, Inode } from '../inodes.js'

/**
 * Kernels without FUSE_NO_OPENDIR_SUPPORT: a handle of 0 (READDIR goes by node id), the listing
 * cached by the kernel.
 */
export const opendir: Handler = (ctx, h) => {
  ctx.ov.checkDir(inodeOf(ctx, h.nodeid).path) // ENOTDIR/ENOENT now rather than at the first READDIR
  return openOut(0, Fopen.CACHE_DIR | Fopen.KEEP_CACHE)
}

export const releasedir: Handler = () => Buffer.alloc(0)

/**
 * A direntplus entry of node id 0: the kernel links nothing and counts no lookup ('.' and '..', and
 * names whose node the kernel already holds, with attributes our invalidations keep exact).
 */
const NO_ENTRY = entryOut(0, null, { entry: 0, attr: 0 })

/**
 * What a window's entries carry: a READDIR's only a name, type and inode number; a READDIRPLUS's
 * also attributes (the kernel then holds the node), or not (`names`: stat-follow.ts decides).
 */
type Form = 'plain' | 'attributes' | 'names'

async function readdirCommon(ctx: Context, nodeid: number, body: Parameters<Handler>[2], plus: boolean) {
  body.fh() // 0, or the handle of opendir above: listings go by node
  const offset = body.num64()
  const size = body.u32()
  const dir = inodeOf(ctx, nodeid)
  if (!ctx.listings.kept(nodeid, offset)) await ctx.prefetch.listing(dir.path)
  const list = ctx.listings.get(nodeid, offset, () => listingOf(ctx.ov.readdir(dir.path)))
  const sizeOf = (e: Listed) => direntSize(e.name, plus)
  const form: Form = !plus ? 'plain' : ctx.statFollow.attributes(offset) ? 'attributes' : 'names'
  let start = firstAfter(list, offset)
  // The kernel offers up to max_pages (1 MiB) where a directory needs a few hundred bytes: the
  // reply is sized by what fits, so no request zero-fills a megabyte.
  let window = fitting(list, start, size, sizeOf)
  await ctx.prefetch.entries(dir.path, toLookUp(ctx, dir, list.slice(start, start + window.count), form))
  // An empty reply ends the listing: a window whose entries all went since the listing was read
  // is passed over for the next one.
  for (; ; window = fitting(list, start, size, sizeOf)) {
    const { count, bytes } = window
    if (count === 0) ctx.listings.drop(nodeid) // the end (or an entry too large to fit: none is)
    const out = Buffer.alloc(bytes)
    let used = 0
    for (let i = start; i < start + count; i++) {
      const e = list[i] as Listed
      const shown = direntOf(ctx, dir, e, form)
      if (shown === null) continue
      const d = { ino: shown.ino, off: e.cookie, type: DType[e.type], name: e.name }
      used += writeDirent(out, used, d, shown.entry)
    }
    if (used > 0 || count === 0) return used === bytes ? out : out.subarray(0, used)
    start += count
  }
}

/** Whether direntOf looks the entry up (and lstats it), rather than answering from the node the kernel holds. */
const looksUp = (known: Inode | undefined, e: Listed, form: Form): boolean =>
  !known || (form === 'attributes' && e.type === 'dir')

/** The names of a window that direntOf will look up: what to warm first (prefetch.ts). */
function toLookUp(ctx: Context, dir: Inode, window: readonly Listed[], form: Form): string[] {
  const names: string[] = []
  for (const e of window)
    if (e.name !== '.' && e.name !== '..' && looksUp(ctx.inodes.at(joinPath(dir.path, e.name)), e, form))
      names.push(e.name)
  return names
}

/**
 * One entry's inode number and, for READDIRPLUS, its fuse_entry_out (counting a lookup when it links
 * a node; empty in a window of names only); null for an entry gone since the listing was read (a
 * reader going on with a listing kept from its first request, after an unlink): it is not shown,
 * as POSIX allows, and the rest still is.
 */
function direntOf(ctx: Context, dir: Inode, e: Listed, form: Form): { ino: Ino; entry: Buffer | null } | null {
  const empty = form === 'plain' ? null : NO_ENTRY
  if (e.name === '.' || e.name === '..') return { ino: dir.ino, entry: empty }
  const path = joinPath(dir.path, e.name)
  const known = ctx.inodes.at(path)
  // The kernel has this node and its attributes: the entry needs no stat. Not for a directory:
  // the kernel drops a directory's dentry when its mode changes (tar's chmod of every directory it
  // made), and a full entry here revalidates it, where an empty one leaves a LOOKUP to follow.
  if (known && !looksUp(known, e, form)) return { ino: known.ino, entry: empty }
  const node = lookupOrNull(ctx, path)
  if (node === null) return null
  if (form !== 'attributes') return { ino: ctx.inodes.inoAt(path, node.stat), entry: empty }
  const inode = ctx.inodes.remember(path, node.stat, node.upper !== null)
  if (inode.noXattrs === null) setNoXattrs(ctx, inode, ctx.ov.listxattrOf(node).length === 0)
  return { ino: inode.ino, entry: entryOut(inode.nodeid, fuseAttr(inode.ino, attrOf(node)), ctx.timeout) }
}

function lookupOrNull(ctx: Context, path: string): Node | null {
  try {
    return ctx.ov.lookup(path)
  } catch (err) {
    if (hasCode(err, 'ENOENT', 'ENOTDIR')) return null
    throw err
  }
}

export const readdir: Handler = (ctx, h, body) => readdirCommon(ctx, h.nodeid, body, false)
export const readdirplus: Handler = (ctx, h, body) => readdirCommon(ctx, h.nodeid, body, true)

export const fsyncdir: Handler = () => Buffer.alloc(0)
