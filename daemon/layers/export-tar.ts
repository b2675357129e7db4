/**
 * Gives back the exact tar a layer was imported from: the tar-split's raw bytes in order, with
 * each file body read again from the layer directory (never following a symlink). A body whose
 * size changed means the layer was modified behind our back: an error, not a different tar. Files
 * are opened through overlay/backing-fs.ts (names of any bytes, paths deeper than PATH_MAX).
 * Tests: test/unit/layers/apply-tar.test.ts, test/unit/tar/gnu-tar.test.ts
 */
import { closeSync, constants as fsc, fstatSync } from 'node:fs'
import { join } from 'node:path'
import { open } from '../overlay/backing-fs.js'
import { readChunks } from '../tar/read-chunks.js'
import type { FileSegment, Segment } from '../tar/tar-split.js'

export async function* exportTar(diffDir: string, segments: Segment[]): AsyncGenerator<Buffer> {
  for (const s of segments) {
    if ('raw' in s) {
      yield Buffer.from(s.raw)
      continue
    }
    yield* readBody(join(diffDir, s.file), s)
  }
}

/** The file's bytes, or for a sparse file the bytes of its mapped segments, in order (read-chunks.ts). */
function* readBody(path: string, s: FileSegment): Generator<Buffer> {
  const fd = open(path, fsc.O_RDONLY | fsc.O_NOFOLLOW)
  try {
    const st = fstatSync(fd)
    const want = s.sparse?.realSize ?? s.size
    if (!st.isFile() || st.size !== want)
      throw new Error(`layer file ${path} changed: ${st.size} bytes, the tar had ${want}`)
    for (const [offset, length] of s.sparse?.map ?? [[0, s.size]])
      yield* readChunks(fd, offset, length, `layer file ${path}`)
  } finally {
    closeSync(fd)
  }
}
