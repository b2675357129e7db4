/**
 * The tar of a directory in overlay format (a container's upper/, or any layer strata makes
 * itself), deterministic: each directory's entries in byte order of their names in the tar,
 * parents first, one fixed header
 * format (tar-writer.ts), times in whole seconds. Whiteouts leave in OCI form: a 0/0 device
 * becomes `.wh.NAME`, an opaque directory gets `.wh..wh..opq` among its entries.
 * Hard links inside the tree are links to the first path (in that order) of the inode.
 * overlay's private xattrs are left out; an escaped `<ns>.overlay.overlay.X` leaves as
 * `<ns>.overlay.X`, as the user set it. The same tree always gives the same bytes.
 */
import { closeSync, lstatSync, openSync, readdirSync, readlinkSync, readSync, type BigIntStats } from 'node:fs'
import { join } from 'node:path'
import { lgetxattr, llistxattr, splitDev } from '../../native-bindings/index.js'
import { isOpaque, xattrNames, type XattrNamespace } from '../overlay/opaque.js'
import { isWhiteoutStat } from '../overlay/whiteout.js'
import { END, entryHeader, padding, type HeaderFields } from '../layers/tar-writer.js'

const WHITEOUT = '.wh.'
const OPAQUE = '.wh..wh..opq'
const CHUNK = 1024 * 1024

/** A path of the tree, or the opaque marker of a directory, under the name it has in the tar. */
type Item = { name: string; rel: string; st: BigIntStats; opaque?: true }

export async function* upperTar(root: string, ns: XattrNamespace = 'trusted'): AsyncGenerator<Buffer> {
  const links = new Map<bigint, string>()
  const stack: Item[] = children(root, '', ns).reverse()
  while (stack.length) {
    const item = stack.pop() as Item
    const path = join(root, item.rel)
    const st = item.st
    if (item.opaque) {
      yield* entryHeader({ ...ownerAndTime(st), name: item.name, type: 'file', mode: 0o644 })
      continue
    }
    yield* entry(path, item, st, ns, links)
    if (st.isDirectory() && !isWhiteoutStat(st)) stack.push(...children(root, item.rel, ns).reverse())
  }
  yield END
}

/** A directory's entries sorted by their names in the tar (whiteouts as .wh.NAME, the opaque marker among them). */
function children(root: string, rel: string, ns: XattrNamespace): Item[] {
  const dir = join(root, rel)
  const prefix = rel ? `${rel}/` : ''
  const items: Item[] = readdirSync(dir).map((n) => {
    const st = lstatSync(join(dir, n), { bigint: true })
    return { name: `${prefix}${isWhiteoutStat(st) ? WHITEOUT : ''}${n}`, rel: `${prefix}${n}`, st }
  })
  if (rel && isOpaque(dir, ns))
    items.push({ name: `${prefix}${OPAQUE}`, rel, st: lstatSync(dir, { bigint: true }), opaque: true })
  return items.sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)))
}

const ownerAndTime = (st: BigIntStats) => ({
  uid: Number(st.uid),
  gid: Number(st.gid),
  mtime: Number(st.mtimeMs / 1000n),
})

async function* entry(
  path: string,
  item: Item,
  st: BigIntStats,
  ns: XattrNamespace,
  links: Map<bigint, string>,
): AsyncGenerator<Buffer> {
  const rel = item.name
  const base = { ...ownerAndTime(st), mode: Number(st.mode) & 0o7777 }
  if (isWhiteoutStat(st)) return yield* entryHeader({ ...base, name: rel, type: 'file', mode: 0o644 })
  const fields = { ...base, xattrs: userXattrs(path, ns) }
  if (st.isDirectory()) return yield* entryHeader({ ...fields, name: `${rel}/`, type: 'dir' })
  const first = st.nlink > 1n ? links.get(st.ino) : undefined
  if (first !== undefined) return yield* entryHeader({ ...fields, name: rel, type: 'link', linkname: first })
  if (st.nlink > 1n) links.set(st.ino, rel)
  if (st.isSymbolicLink())
    return yield* entryHeader({ ...fields, name: rel, type: 'symlink', linkname: readlinkSync(path) })
  if (st.isFile()) return yield* fileEntry(path, { ...fields, name: rel, type: 'file', size: Number(st.size) })
  const [devmajor, devminor] = splitDev(st.rdev)
  const type = st.isCharacterDevice() ? 'char' : st.isBlockDevice() ? 'block' : st.isFIFO() ? 'fifo' : undefined
  if (!type) throw new Error(`${path}: a socket cannot go into a layer`)
  yield* entryHeader({ ...fields, name: rel, type, devmajor, devminor })
}

/** A regular file's header, body and padding; read synchronously, a chunk at a time. */
export function* fileEntry(path: string, h: HeaderFields & { size: number }): Generator<Buffer> {
  yield* entryHeader(h)
  const fd = openSync(path, 'r')
  try {
    for (let off = 0; off < h.size;) {
      const buf = Buffer.allocUnsafe(Math.min(CHUNK, h.size - off))
      const bytesRead = readSync(fd, buf, 0, buf.length, off)
      if (bytesRead === 0) throw new Error(`${path} shrank while it was read`)
      off += bytesRead
      yield buf.subarray(0, bytesRead)
    }
  } finally {
    closeSync(fd)
  }
  yield padding(h.size)
}

/** The xattrs a user set, by the names they set them under; overlay's own are left out. */
function userXattrs(path: string, ns: XattrNamespace): Map<string, Buffer> {
  const names = xattrNames(ns)
  const out = new Map<string, Buffer>()
  for (const stored of llistxattr(path)) {
    const shown = names.shown(stored)
    if (shown !== null) out.set(shown, lgetxattr(path, stored))
  }
  return out
}
