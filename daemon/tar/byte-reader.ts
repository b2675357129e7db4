/**
 * Pulls exact byte counts out of an async stream of chunks, hashing and counting every byte it
 * takes (the diffID covers the whole uncompressed stream), with a limit on the total.
 */
import { createHash, type Hash } from 'node:crypto'
import { TarError } from './tar-header.js'

export class ByteReader {
  private readonly it: AsyncIterator<Uint8Array>
  private buf: Buffer = Buffer.alloc(0)
  private done = false
  private readonly hash: Hash = createHash('sha256')
  total = 0

  constructor(
    source: AsyncIterable<Uint8Array>,
    private readonly maxBytes: number,
    /** Off when nobody needs the stream's digest (the outer tar of an image archive). */
    private readonly hashing = true,
  ) {
    this.it = source[Symbol.asyncIterator]()
  }

  /** Exactly n bytes; TarError when the stream ends first. */
  async read(n: number, what: string): Promise<Buffer> {
    while (this.buf.length < n) {
      if (!(await this.fill())) throw new TarError(`truncated archive: it ends inside ${what}`)
    }
    const out = this.buf.subarray(0, n)
    this.buf = this.buf.subarray(n)
    return out
  }

  /** n bytes as they arrive, in pieces. */
  async *stream(n: number, what: string): AsyncGenerator<Buffer> {
    let left = n
    while (left > 0) {
      if (!this.buf.length && !(await this.fill())) throw new TarError(`truncated archive: it ends inside ${what}`)
      const piece = this.buf.subarray(0, Math.min(left, this.buf.length))
      this.buf = this.buf.subarray(piece.length)
      left -= piece.length
      yield piece
    }
  }

  /** Everything left in the stream. */
  async rest(): Promise<Buffer> {
    while (await this.fill());
    const out = this.buf
    this.buf = Buffer.alloc(0)
    return out
  }

  digest(): string {
    return this.hashing ? `sha256:${this.hash.digest('hex')}` : ''
  }

  private async fill(): Promise<boolean> {
    if (this.done) return false
    const next = await this.it.next()
    if (next.done) {
      this.done = true
      return false
    }
    const chunk = Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength)
    this.total += chunk.length
    if (this.total > this.maxBytes) throw new TarError(`archive is larger than the limit of ${this.maxBytes} bytes`)
    if (this.hashing) this.hash.update(chunk)
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk
    return true
  }
}

/** A whole (small) stream as one Buffer: manifests, configs, a whiteout's body. */
export async function readAll(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = []
  for await (const chunk of source) parts.push(Buffer.from(chunk))
  return Buffer.concat(parts)
}
