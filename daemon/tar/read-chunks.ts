/**
 * Reading a byte range of an open file synchronously, a chunk at a time, for tar bodies (a
 * layer's export, a directory's tar): per small file, thread-pool round trips cost more than the
 * reads (bench/images.ts), and a chunk bounds the memory a large file takes.
 * Tests: test/unit/tar/read-chunks.test.ts
 */
import { readSync } from 'node:fs'

export const CHUNK_BYTES = 1024 * 1024

/**
 * `length` bytes of `fd` from `offset`, in chunks of at most CHUNK_BYTES. A file that ends sooner
 * is an error naming `what` (the caller's words for the file).
 */
export function* readChunks(fd: number, offset: number, length: number, what: string): Generator<Buffer> {
  for (let off = 0; off < length;) {
    const buf = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, length - off))
    const bytesRead = readSync(fd, buf, 0, buf.length, offset + off)
    if (bytesRead === 0) throw new Error(`${what} shrank while it was read`)
    off += bytesRead
    yield buf.subarray(0, bytesRead)
  }
}
