/**
 * Directory handles: OPENDIR (entries snapshot, so offsets stay stable; the kernel may cache the
 * listing), READDIR, READDIRPLUS
 * (each entry returned counts a lookup), RELEASEDIR, FSYNCDIR.
 * READDIRPLUS also learns whether each entry has xattrs (one llistxattr): `ls -l` asks for two
 * per entry next, and for a bare node the reader answers those without JavaScript (ops/xattr.ts).
 */
import { DType, Fopen } from '../abi.js'
import { direntSize, entryOut, openOut, writeDirent } from '../reply.js'
import { fuseAttr, inodeOf, setNoXattrs, type Context, type Handler } from './context.js'
import { attrOf } from '../../overlay/overlay.js'
import { joinPath } from '../../overlay/path.js'

export const opendir: Handler = (ctx, h) => {
  const inode = inodeOf(ctx, h.nodeid)
  ctx.ov.checkDir(inode.path) // ENOTDIR/ENOENT now rather than at the first READDIR
  const fh = ctx.dirs.add({ inode, entries: null })
  // The kernel may keep the listing across opens: it drops it itself whenever the directory changes
  // through this mount, and nothing else changes the layers. So the listing is read at the first
  // READDIR, which a cached directory never sends.
  return openOut(fh, Fopen.CACHE_DIR | Fopen.KEEP_CACHE)
}

function listing(ctx: Context, fh: bigint) {
  const dh = ctx.dirs.get(fh)
  if (!dh) throw Object.assign(new Error('bad directory handle'), { code: 'EBADF' })
  dh.entries ??= [
    { name: '.', type: 'dir' as const },
    { name: '..', type: 'dir' as const },
    ...ctx.ov.readdir(dh.inode.path),
  ]
  return { dh, entries: dh.entries }
}

function readdirCommon(ctx: Context, body: Parameters<Handler>[2], plus: boolean) {
  const fh = body.u64()
  const offset = body.num64()
  const size = body.u32()
  const { dh, entries } = listing(ctx, fh)
  const out = Buffer.alloc(size)
  let used = 0
  for (let i = offset; i < entries.length; i++) {
    const e = entries[i] as (typeof entries)[number]
    const need = direntSize(e.name, plus)
    if (used + need > size) break
    const dot = e.name === '.' || e.name === '..'
    const path = joinPath(dh.inode.path, e.name)
    let ino = dh.inode.ino
    let entry: Buffer | null = null
    if (!dot) {
      const node = ctx.ov.lookup(path)
      if (plus) {
        const inode = ctx.inodes.remember(path, node.stat, node.upper !== null)
        if (inode.noXattrs === null) setNoXattrs(ctx, inode, ctx.ov.listxattrOf(node).length === 0)
        ino = inode.ino
        entry = entryOut(inode.nodeid, fuseAttr(inode.ino, attrOf(node)), ctx.timeout)
      } else {
        ino = ctx.inodes.inoAt(path, node.stat)
      }
    } else if (plus) {
      entry = entryOut(0, null, { entry: 0, attr: 0 }) // '.' and '..' carry no entry and count no lookup
    }
    used += writeDirent(out, used, { ino, off: i + 1, type: DType[e.type], name: e.name }, entry)
  }
  return out.subarray(0, used)
}

export const readdir: Handler = (ctx, _h, body) => readdirCommon(ctx, body, false)
export const readdirplus: Handler = (ctx, _h, body) => readdirCommon(ctx, body, true)

export const releasedir: Handler = (ctx, _h, body) => {
  ctx.dirs.take(body.u64())
  return Buffer.alloc(0)
}

export const fsyncdir: Handler = () => Buffer.alloc(0)
