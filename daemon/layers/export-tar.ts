/**
 * Gives back the exact tar a layer was imported from: the tar-split's raw bytes in order, with
 * each file body read again from the layer directory (never following a symlink). A body whose
 * size changed means the layer was modified behind our back: an error, not a different tar.
 */
import { constants as fsc } from 'node:fs'
import { open } from 'node:fs/promises'
import { join } from 'node:path'
import type { Segment } from './tar-split.js'

const CHUNK = 1024 * 1024

export async function* exportTar(diffDir: string, segments: Segment[]): AsyncGenerator<Buffer> {
  for (const s of segments) {
    if ('raw' in s) {
      yield Buffer.from(s.raw)
      continue
    }
    yield* readBody(join(diffDir, s.file), s.size)
  }
}

async function* readBody(path: string, size: number): AsyncGenerator<Buffer> {
  const fh = await open(path, fsc.O_RDONLY | fsc.O_NOFOLLOW)
  try {
    const st = await fh.stat()
    if (!st.isFile() || st.size !== size)
      throw new Error(`layer file ${path} changed: ${st.size} bytes, the tar had ${size}`)
    for (let off = 0; off < size;) {
      const buf = Buffer.allocUnsafe(Math.min(CHUNK, size - off))
      const { bytesRead } = await fh.read(buf, 0, buf.length, off)
      if (bytesRead === 0) throw new Error(`layer file ${path} shrank while it was read`)
      off += bytesRead
      yield buf.subarray(0, bytesRead)
    }
  } finally {
    await fh.close()
  }
}
