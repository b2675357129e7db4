/**
 * tar-split: what it takes to give back the exact tar a layer was imported from. The layer
 * directory holds the file contents; this holds everything else, in order: header blocks,
 * extension records, padding and the trailer as raw bytes, and for each file body a reference to
 * the layer path it was written to (or the bytes themselves when that path was later overwritten
 * in the same tar, or was a whiteout marker). Stored gzip'd msgpack next to the layer's diff/.
 * A path with bytes that are not UTF-8 (escaped in its string, overlay/names.ts) is stored as its
 * bytes: msgpack strings are UTF-8 and would make the escapes U+FFFD. Other paths stay strings, so
 * a split stored before reads the same.
 * Tests: test/unit/tar/tar-names.test.ts, test/unit/layers/apply-tar.test.ts
 */
import { gunzipSync, gzipSync } from 'node:zlib'
import { Packr } from 'msgpackr'
import { decodeName, encodeName, hasEscapes } from '../overlay/names.js'
import type { SparseMap } from './tar-sparse.js'

/** A file body: `size` bytes of the file at `file`, or of its mapped segments when sparse. */
export interface FileSegment {
  file: string
  size: number
  sparse?: SparseMap
}
export type Segment = { raw: Buffer } | FileSegment

const packr = new Packr({ useRecords: false, moreTypes: false, mapsAsObjects: true })
const VERSION = 1

export class SplitRecorder {
  readonly segments: Segment[] = []
  private pending: Buffer[] = []

  raw(b: Buffer): void {
    if (b.length) this.pending.push(Buffer.from(b))
  }

  file(path: string, size: number, sparse?: SparseMap): void {
    this.flush()
    this.segments.push(sparse ? { file: path, size, sparse } : { file: path, size })
  }

  /** The body written to `path` earlier is about to be overwritten: keep its bytes here instead. */
  inline(path: string, read: (s: FileSegment) => Buffer): void {
    for (let i = this.segments.length - 1; i >= 0; i--) {
      const s = this.segments[i] as Segment
      if ('file' in s && s.file === path) {
        this.segments[i] = { raw: read(s) }
        return
      }
    }
  }

  finish(): Buffer {
    this.flush()
    const stored = this.segments.map((s) =>
      'file' in s && hasEscapes(s.file) ? { ...s, file: encodeName(s.file) } : s,
    )
    return gzipSync(packr.pack({ version: VERSION, segments: stored }))
  }

  private flush(): void {
    if (!this.pending.length) return
    this.segments.push({ raw: Buffer.concat(this.pending) })
    this.pending = []
  }
}

export function readSplit(data: Buffer): Segment[] {
  const v = packr.unpack(gunzipSync(data)) as { version?: number; segments?: Segment[] }
  if (v.version !== VERSION || !Array.isArray(v.segments))
    throw new Error(`unsupported tar-split version ${String(v.version)}`)
  return v.segments.map((s) => ('file' in s && typeof s.file !== 'string' ? { ...s, file: decodeName(s.file) } : s))
}
