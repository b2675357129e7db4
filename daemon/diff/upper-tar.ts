/**
 * The tar of a directory in overlay format (a container's upper/, or any layer strata makes
 * itself), deterministic: each directory's entries in byte order of their names in the tar,
 * parents first, one fixed header
 * format (tar-writer.ts), times in whole seconds. Whiteouts leave in OCI form: a 0/0 device
 * becomes `.wh.NAME`, an opaque directory gets `.wh..wh..opq` among its entries.
 * Hard links inside the tree are links to the first path (in that order) of the inode.
 * overlay's private xattrs are left out; an escaped `<ns>.overlay.overlay.X` leaves as
 * `<ns>.overlay.X`, as the user set it. Sockets are left out (stat-header.ts). A file with holes
 * leaves as a sparse entry (sparse-entry.ts), so a 1 TiB sparse file stays a small tar. The same
 * tree always gives the same bytes.
 * Names are bytes and paths may be deeper than PATH_MAX below `root`: the tree is read through
 * overlay/backing-fs.ts, names that are not UTF-8 keep their bytes (escaped, overlay/names.ts) and
 * leave in the tar as those bytes (tar-writer.ts); byte order is the order of those bytes.
 * `upperEntries` hands out the same entries with their header blocks, for diff/upper-layer.ts,
 * which makes the layer from the tree without making the tar.
 * Tests: test/integration/upper-tar.test.ts
 */
import { closeSync, constants as fsc, type BigIntStats } from 'node:fs'
import { join } from 'node:path'
import { lgetxattr, llistxattr, lstat, open, readdirNames, readlink } from '../overlay/backing-fs.js'
import { encodeName } from '../overlay/names.js'
import { isOpaque, xattrNames, type XattrNamespace } from '../overlay/opaque.js'
import { isWhiteoutStat } from '../overlay/whiteout.js'
import { readChunks } from '../tar/read-chunks.js'
import { END, entryHeader, padding, type HeaderFields } from '../tar/tar-writer.js'
import { sparseBodyOf, sparseData, sparseHeader, type SparseBody } from './sparse-entry.js'
import { HardLinks, ownerAndTime, statFields } from './stat-header.js'

const WHITEOUT = '.wh.'
const OPAQUE = '.wh..wh..opq'

/** A path of the tree, or the opaque marker of a directory, under the name it has in the tar. */
type Item = { name: string; rel: string; st: BigIntStats; opaque?: true }

/**
 * One entry of the tree's tar, in tar order: its header blocks and what they describe. `rel` is
 * the path in the tree (for a whiteout, the whited-out name; for an opaque marker, its directory).
 */
export interface UpperEntry {
  rel: string
  path: string
  kind: 'opaque' | 'whiteout' | 'dir' | 'link' | 'symlink' | 'file' | 'node'
  fields: HeaderFields
  header: Buffer[]
  /** For a hard link: the path of the inode's first entry. */
  first?: string
  /** For a file with holes: its body as a sparse entry stores it (`header` is that entry's). */
  sparse?: SparseBody
}

export async function* upperTar(root: string, ns: XattrNamespace = 'trusted'): AsyncGenerator<Buffer> {
  for (const e of upperEntries(root, ns)) {
    if (e.kind !== 'file') {
      yield* e.header
      continue
    }
    yield* e.header
    if (e.sparse) {
      yield e.sparse.mapBlocks
      yield* sparseData(e.path, e.sparse)
    } else yield* fileBody(e.path, e.fields.size ?? 0)
  }
  yield END
}

/** The tree's entries in tar order; a directory's children are listed after it was handed out. */
export function* upperEntries(root: string, ns: XattrNamespace = 'trusted'): Generator<UpperEntry> {
  const links = new HardLinks()
  const stack: Item[] = children(root, '', ns).reverse()
  while (stack.length) {
    const item = stack.pop() as Item
    const e = entryOf(join(root, item.rel), item, ns, links)
    if (!e) continue
    yield e
    if (e.kind === 'dir') stack.push(...children(root, item.rel, ns).reverse())
  }
}

/** A directory's entries sorted by their names in the tar (whiteouts as .wh.NAME, the opaque marker among them). */
function children(root: string, rel: string, ns: XattrNamespace): Item[] {
  const dir = join(root, rel)
  const prefix = rel ? `${rel}/` : ''
  const items: Item[] = readdirNames(dir).map((n) => {
    const st = lstat(join(dir, n))
    return { name: `${prefix}${isWhiteoutStat(st) ? WHITEOUT : ''}${n}`, rel: `${prefix}${n}`, st }
  })
  if (rel && isOpaque(dir, ns)) items.push({ name: `${prefix}${OPAQUE}`, rel, st: lstat(dir), opaque: true })
  return items.sort((a, b) => Buffer.compare(encodeName(a.name), encodeName(b.name)))
}

const KIND: Record<HeaderFields['type'], UpperEntry['kind']> = {
  dir: 'dir',
  link: 'link',
  symlink: 'symlink',
  file: 'file',
  char: 'node',
  block: 'node',
  fifo: 'node',
}

/** The entry of one item, or null for a socket (stat-header.ts: left out). */
function entryOf(path: string, item: Item, ns: XattrNamespace, links: HardLinks): UpperEntry | null {
  const { st, name, rel } = item
  const made = (kind: UpperEntry['kind'], fields: HeaderFields): UpperEntry => {
    const sparse = kind === 'file' ? sparseBodyOf(path, st) : undefined
    return {
      ...{ rel, path, kind, fields, header: sparse ? sparseHeader(fields, sparse) : entryHeader(fields) },
      ...(kind === 'link' ? { first: fields.linkname } : {}),
      ...(sparse ? { sparse } : {}),
    }
  }
  const marker = { ...ownerAndTime(st), name, type: 'file', mode: 0o644 } as const
  if (item.opaque) return made('opaque', marker)
  if (isWhiteoutStat(st)) return made('whiteout', marker)
  const fields = statFields(st, name, { xattrs: () => userXattrs(path, ns), readlink: () => readlink(path) }, links)
  return fields && made(KIND[fields.type], fields)
}

/**
 * A regular file's header, body and padding, as a sparse entry when it has holes (`st` is its
 * lstat); read synchronously, a chunk at a time.
 */
export function* fileEntry(path: string, h: HeaderFields & { size: number }, st: BigIntStats): Generator<Buffer> {
  const sparse = sparseBodyOf(path, st)
  if (sparse) {
    yield* sparseHeader(h, sparse)
    yield sparse.mapBlocks
    yield* sparseData(path, sparse)
  } else {
    yield* entryHeader(h)
    yield* fileBody(path, h.size)
  }
}

/** The first `size` bytes of the file and the padding after them. */
function* fileBody(path: string, size: number): Generator<Buffer> {
  yield* fileChunks(path, size)
  yield padding(size)
}

/** The first `size` bytes of the file, a chunk at a time; an error when it has fewer. */
function* fileChunks(path: string, size: number): Generator<Buffer> {
  const fd = open(path, fsc.O_RDONLY)
  try {
    yield* readChunks(fd, 0, size, path)
  } finally {
    closeSync(fd)
  }
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
