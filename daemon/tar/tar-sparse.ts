/**
 * Sparse files in tars, as GNU tar writes them: the old GNU 'S' header (map in the header and
 * extension blocks), PAX 0.1 (GNU.sparse.map) and PAX 1.0 (the map as decimal lines at the
 * start of the body). The body holds only the data segments; the file is `realSize` long with
 * holes elsewhere. Maps are checked: in order, not overlapping, inside the file, and adding up
 * to the data the body carries.
 * Tests: test/unit/tar/gnu-tar.test.ts
 */
import { readSync } from 'node:fs'
import type { ByteReader } from './byte-reader.js'
import { BLOCK, sparseEntries, TarError, type GnuSparse } from './tar-header.js'

/** Where the map's raw blocks go so the exact stream can be rebuilt (tar-split's SplitRecorder). */
export interface RawSink {
  raw(block: Buffer): void
}

export interface SparseMap {
  realSize: number
  map: Array<[offset: number, length: number]>
}

const MAX_SEGMENTS = 1_000_000

/** Old GNU: the header's four entries, then 21 per extension block while the flag says more. */
export async function gnuSparseMap(h: GnuSparse, r: ByteReader, split: RawSink): Promise<SparseMap> {
  const map = [...h.map]
  for (let more = h.extended; more;) {
    const block = await r.read(BLOCK, 'a sparse extension block')
    split.raw(block)
    map.push(...sparseEntries(block, 0, 21))
    if (map.length > MAX_SEGMENTS) throw new TarError('sparse map is too long')
    more = block[504] !== 0
  }
  return { realSize: h.realSize, map }
}

/** PAX 0.1: "offset,length,offset,length…" in GNU.sparse.map. */
export function pax01Map(map: string, realSize: number): SparseMap {
  const nums = map === '' ? [] : map.split(',').map((n) => decimal(n, 'GNU.sparse.map'))
  if (nums.length % 2) throw new TarError('GNU.sparse.map has an odd number of values')
  const pairs: Array<[number, number]> = []
  for (let i = 0; i < nums.length; i += 2) pairs.push([nums[i] as number, nums[i + 1] as number])
  return { realSize, map: pairs }
}

/** PAX 1.0: the body starts with "count\n" then "offset\nlength\n" pairs, padded to a block. */
export async function pax10Map(
  r: ByteReader,
  split: RawSink,
  realSize: number,
  stored: number,
): Promise<{ sparse: SparseMap; mapBytes: number }> {
  let text = ''
  let mapBytes = 0
  let nums: number[] = []
  for (;;) {
    if (mapBytes + BLOCK > stored) throw new TarError('sparse map runs past the entry')
    const block = await r.read(BLOCK, 'a sparse map')
    split.raw(block)
    mapBytes += BLOCK
    text += block.toString('latin1')
    const lines = text.split('\n')
    lines.pop() // an unfinished line
    nums = lines.map((l) => decimal(l, 'sparse map'))
    const count = nums[0]
    if (count !== undefined && count > MAX_SEGMENTS) throw new TarError('sparse map is too long')
    if (count !== undefined && nums.length >= 1 + 2 * count) break
  }
  const pairs: Array<[number, number]> = []
  for (let i = 0; i < (nums[0] as number); i++) pairs.push([nums[1 + 2 * i] as number, nums[2 + 2 * i] as number])
  return { sparse: { realSize, map: pairs }, mapBytes }
}

export function checkSparse(s: SparseMap, dataBytes: number, path: string): void {
  let end = 0
  let total = 0
  for (const [offset, length] of s.map) {
    if (offset < end) throw new TarError(`${path}: sparse map segments overlap or are out of order`)
    end = offset + length
    total += length
  }
  if (end > s.realSize) throw new TarError(`${path}: sparse map reaches past the file's size`)
  if (total !== dataBytes) throw new TarError(`${path}: sparse map lists ${total} bytes, the entry holds ${dataBytes}`)
  if (!Number.isSafeInteger(s.realSize)) throw new TarError(`${path}: sparse file size is too large`)
}

/**
 * The bytes a sparse entry's body held, read back from the file open at `fd` (synchronously, for
 * tar-split); `path` names it in errors.
 */
export function readSegments(fd: number, path: string, s: SparseMap): Buffer {
  return Buffer.concat(
    s.map.map(([offset, length]) => {
      const b = Buffer.alloc(length)
      for (let got = 0; got < length;) {
        const n = readSync(fd, b, got, length - got, offset + got)
        if (n === 0) throw new Error(`${path} is shorter than its sparse map`)
        got += n
      }
      return b
    }),
  )
}

function decimal(v: string, what: string): number {
  if (!/^[0-9]+$/.test(v)) throw new TarError(`bad number "${v.slice(0, 20)}" in ${what}`)
  return Number(v)
}
