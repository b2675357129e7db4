/**
 * Reads a tar stream entry by entry, folding PAX (`x`, `g`) and GNU long-name records into the
 * entry they describe, and hands each entry with its body to a visitor. Every byte that is not a
 * file body goes to the SplitRecorder, so the exact stream can be rebuilt. Limits on bytes and
 * entries stop decompression bombs; a stream that ends early is a TarError. An entry more than
 * Linux can hold (a 300-byte name, a 40-digit mtime: entry-limits.ts) is a TarError before the
 * visitor sees it. Names (path, linkpath, GNU long names) are bytes, decoded as overlay/names.ts
 * decodes a file name whatever `hdrcharset` says: UTF-8 reads as UTF-8, other bytes stay escaped.
 * Tests: test/unit/tar/tar-names.test.ts, test/integration/hostile-tar.test.ts
 */
import { decodeName } from '../overlay/names.js'
import { ByteReader } from './byte-reader.js'
import { checkEntryLimits } from './entry-limits.js'
import { BLOCK, isZeroBlock, parseHeader, parsePax, TarError, type RawHeader } from './tar-header.js'
import { normalizeName } from './tar-path.js'
import { checkSparse, gnuSparseMap, pax01Map, pax10Map, type SparseMap } from './tar-sparse.js'
import type { SplitRecorder } from './tar-split.js'

export interface TarEntry {
  /** Normalized (tar-path.ts): relative, no `..`; '' is the root directory. */
  path: string
  type: 'file' | 'link' | 'symlink' | 'char' | 'block' | 'dir' | 'fifo'
  mode: number
  uid: number
  gid: number
  size: number
  mtimeNs: bigint
  linkname: string
  devmajor: number
  devminor: number
  xattrs: Map<string, Buffer>
  /** A sparse file: `size` is its real size, the body holds only the mapped segments. */
  sparse?: SparseMap
}

export interface TarLimits {
  maxBytes: number
  maxEntries: number
}

/**
 * Called for each entry with its body (which it may leave unread). It returns the body's bytes
 * when they are not kept in the layer (a whiteout marker's content), so the tar-split holds them.
 */
export type EntryVisitor = (e: TarEntry, body: AsyncIterable<Buffer>) => Promise<Buffer | undefined>

export interface TarSummary {
  diffId: string
  bytes: number
  entries: number
}

const pad = (n: number): number => (BLOCK - (n % BLOCK)) % BLOCK

export async function readTar(
  source: AsyncIterable<Uint8Array>,
  visit: EntryVisitor,
  limits: TarLimits,
  split: SplitRecorder,
  opts: { digest?: boolean } = {},
): Promise<TarSummary> {
  const r = new ByteReader(source, limits.maxBytes, opts.digest !== false)
  let global = new Map<string, Buffer>()
  let local = new Map<string, Buffer>()
  let longName: string | undefined
  let longLink: string | undefined
  let entries = 0
  for (;;) {
    const block = await r.read(BLOCK, 'a header (no end-of-archive marker)')
    split.raw(block)
    if (isZeroBlock(block)) break
    const h = parseHeader(block)
    if (h.type === 'pax' || h.type === 'paxGlobal' || h.type === 'longName' || h.type === 'longLink') {
      if (h.size > 1024 * 1024) throw new TarError(`tar extension record of ${h.size} bytes is too large`)
      const data = await r.read(h.size + pad(h.size), 'an extension record')
      split.raw(data)
      const body = data.subarray(0, h.size)
      if (h.type === 'pax') local = new Map([...local, ...parsePax(body)])
      else if (h.type === 'paxGlobal') global = new Map([...global, ...parsePax(body)])
      else if (h.type === 'longName') longName = cString(body)
      else longLink = cString(body)
      continue
    }
    if (++entries > limits.maxEntries) throw new TarError(`archive has more than ${limits.maxEntries} entries`)
    const pax = new Map([...global, ...local])
    const e = toEntry(h, pax, longName, longLink)
    local = new Map()
    longName = longLink = undefined
    let bodySize = e.type === 'file' ? e.size : 0
    const sparse = await sparseOf(h, pax, r, split)
    if (sparse) {
      bodySize = e.size - (sparse.mapBytes ?? 0)
      checkSparse(sparse.map, bodySize, e.path)
      e.sparse = sparse.map
      e.size = sparse.map.realSize
    }
    checkEntryLimits(e)
    let consumed = 0
    const body = (async function* () {
      for await (const piece of r.stream(bodySize, `the body of ${e.path}`)) {
        consumed += piece.length
        yield piece
      }
    })()
    const inline = await visit(e, body)
    if (consumed < bodySize) for await (const _piece of r.stream(bodySize - consumed, `the body of ${e.path}`));
    // Recorded after the visit: an earlier body at the same path is moved inline during it.
    if (bodySize > 0) {
      if (inline) split.raw(inline)
      else split.file(e.path, bodySize, e.sparse)
    }
    split.raw(await r.read(pad(bodySize), `the padding of ${e.path}`))
  }
  split.raw(await r.rest())
  return { diffId: r.digest(), bytes: r.total, entries }
}

/** The sparse map of an entry, if it is a sparse file in any of GNU tar's three forms. */
async function sparseOf(
  h: RawHeader,
  pax: Map<string, Buffer>,
  r: ByteReader,
  split: SplitRecorder,
): Promise<{ map: SparseMap; mapBytes?: number } | undefined> {
  if (h.gnuSparse) return { map: await gnuSparseMap(h.gnuSparse, r, split) }
  const text = (k: string) => pax.get(k)?.toString('utf8')
  const major = text('GNU.sparse.major')
  if (major !== undefined) {
    if (major !== '1' || text('GNU.sparse.minor') !== '0')
      throw new TarError(`unsupported GNU sparse format ${major}.${text('GNU.sparse.minor') ?? '?'}`)
    const realSize = Number(text('GNU.sparse.realsize') ?? NaN)
    if (!Number.isSafeInteger(realSize)) throw new TarError('bad GNU.sparse.realsize')
    const stored = Number(text('size') ?? h.size)
    const { sparse, mapBytes } = await pax10Map(r, split, realSize, stored)
    return { map: sparse, mapBytes }
  }
  const map = text('GNU.sparse.map')
  if (map === undefined) {
    if (text('GNU.sparse.offset') !== undefined) throw new TarError('unsupported GNU sparse format 0.0')
    return undefined
  }
  const realSize = Number(text('GNU.sparse.size') ?? NaN)
  if (!Number.isSafeInteger(realSize)) throw new TarError('bad GNU.sparse.size')
  return { map: pax01Map(map, realSize) }
}

/** A GNU long name or link: bytes up to a NUL, decoded as names are. */
function cString(b: Buffer): string {
  const end = b.indexOf(0)
  return decodeName(b.subarray(0, end < 0 ? b.length : end))
}

function toEntry(h: RawHeader, pax: Map<string, Buffer>, longName?: string, longLink?: string): TarEntry {
  const text = (k: string) => pax.get(k)?.toString('utf8')
  const name = (k: string) => {
    const v = pax.get(k)
    return v === undefined ? undefined : decodeName(v)
  }
  const int = (k: string, fallback: number) => {
    const v = text(k)
    if (v === undefined) return fallback
    if (!/^[0-9]+$/.test(v)) throw new TarError(`bad PAX ${k} "${v.slice(0, 40)}"`)
    const n = Number(v)
    if (!Number.isSafeInteger(n)) throw new TarError(`PAX ${k} ${v.slice(0, 40)} is too large`)
    return n
  }
  const xattrs = new Map<string, Buffer>()
  for (const [k, v] of pax) if (k.startsWith('SCHILY.xattr.')) xattrs.set(k.slice('SCHILY.xattr.'.length), v)
  if (h.type === 'pax' || h.type === 'paxGlobal' || h.type === 'longName' || h.type === 'longLink')
    throw new TypeError('extension records are not entries')
  return {
    path: normalizeName(name('GNU.sparse.name') ?? name('path') ?? longName ?? h.name),
    type: h.type === 'sparse' ? 'file' : h.type,
    mode: h.mode & 0o7777,
    uid: int('uid', h.uid),
    gid: int('gid', h.gid),
    size: int('size', h.size),
    mtimeNs: paxTime(text('mtime')) ?? BigInt(h.mtime) * 1_000_000_000n,
    linkname: name('linkpath') ?? longLink ?? h.linkname,
    devmajor: h.devmajor,
    devminor: h.devminor,
    xattrs,
  }
}

/** PAX times are decimal seconds with an optional fraction ("1700000000.123456789"). */
function paxTime(v: string | undefined): bigint | undefined {
  if (v === undefined) return undefined
  const m = /^(-?[0-9]+)(?:\.([0-9]+))?$/.exec(v)
  if (!m) throw new TarError(`bad PAX mtime "${v.slice(0, 40)}"`)
  const frac = ((m[2] ?? '') + '000000000').slice(0, 9)
  const sign = (m[1] as string).startsWith('-') ? -1n : 1n
  return BigInt(m[1] as string) * 1_000_000_000n + sign * BigInt(frac)
}
