/**
 * Gives back the exact tar a layer was imported from: the tar-split's raw bytes in order, with
 * each file body read again from the layer directory (never following a symlink). A body whose
 * size changed means the layer was modified behind our back: an error, not a different tar.
 */
import { closeSync, constants as fsc, fstatSync, openSync, readSync } from 'node:fs'
import { join } from 'node:path'
import type { FileSegment, Segment } from '../tar/tar-split.js'

const CHUNK = 1024 * 1024

export async function* exportTar(diffDir: string, segments: Segment[]): AsyncGenerator<Buffer> {
  for (const s of segments) {
    if ('raw' in s) {
      yield Buffer.from(s.raw)
      continue
    }
    yield* readBody(join(diffDir, s.file), s)
  }
}

/**
 * The file's bytes, or for a sparse file the bytes of its mapped segments, in order. Reads are
 * synchronous, a chunk at a time: per small file, thread-pool round trips cost more than the
 * reads (bench/images.ts).
 */
function* readBody(path: string, s: FileSegment): Generator<Buffer> {
  const fd = openSync(path, fsc.O_RDONLY | fsc.O_NOFOLLOW)
  try {
    const st = fstatSync(fd)
    const want = s.sparse?.realSize ?? s.size
    if (!st.isFile() || st.size !== want)
      throw new Error(`layer file ${path} changed: ${st.size} bytes, the tar had ${want}`)
    for (const [offset, length] of s.sparse?.map ?? [[0, s.size]]) {
      for (let off = 0; off < length;) {
        const buf = Buffer.allocUnsafe(Math.min(CHUNK, length - off))
        const bytesRead = readSync(fd, buf, 0, buf.length, offset + off)
        if (bytesRead === 0) throw new Error(`layer file ${path} shrank while it was read`)
        off += bytesRead
        yield buf.subarray(0, bytesRead)
      }
    }
  } finally {
    closeSync(fd)
  }
}
