/**
 * One streaming decoder per compression a layer or archive may come in (decompress.ts picks one
 * by magic bytes): gzip from Node's zlib, bzip2 from unbzip2-stream, xz from lzma-native
 * (liblzma), zstd from fzstd. Why these packages: docs/decisions.md. Each turns an async
 * iterable of compressed bytes into one of plain bytes with backpressure, holding at most a
 * window and a block in memory, never the whole stream.
 * Errors: a source error comes out as it went in; anything the decoder itself throws is a
 * TarError "corrupt <kind> stream" (so INVALID_ARGUMENT at the RPC boundary).
 * Tests: test/unit/tar/decompress.test.ts
 */
import { PassThrough, Readable } from 'node:stream'
import * as zlib from 'node:zlib'
import { Decompress as ZstdDecompress } from 'fzstd'
import * as lzma from 'lzma-native'
import unbzip2 from 'unbzip2-stream'
import { TarError } from './tar-header.js'

export type Compression = 'none' | 'gzip' | 'zstd' | 'bzip2' | 'xz'
type Decoder = (source: AsyncIterable<Buffer>) => AsyncIterable<Buffer>

/** liblzma refuses streams whose dictionary needs more (xz -9 needs 65 MiB; --lzma2=dict=1.5GiB would not pass). */
const XZ_MEMLIMIT = 512 * 1024 * 1024
/** fzstd decodes a whole push at once: small pushes bound what one push can expand to (≤ 256 blocks of 128 KiB). */
const ZSTD_PUSH = 1024

export const decoders: Record<Exclude<Compression, 'none'>, Decoder> = {
  gzip: (source) => viaStream('gzip', source, zlib.createGunzip()),
  bzip2: (source) => viaStream('bzip2', source, unbzip2()),
  xz: (source) =>
    viaStream(
      'xz',
      source,
      lzma.createStream('streamDecoder', { memlimit: XZ_MEMLIMIT, flags: lzma.LZMA_CONCATENATED }),
    ),
  zstd: zstd,
}

/** Pipes the source through a Node (or classic) stream decoder and reads its output. */
async function* viaStream(kind: Compression, source: AsyncIterable<Buffer>, decoder: NodeJS.ReadWriteStream) {
  let sourceError: { err: unknown } | undefined
  const input = Readable.from(
    (async function* () {
      try {
        yield* source
      } catch (err) {
        sourceError = { err }
        throw err
      }
    })(),
    { objectMode: false },
  )
  input.on('error', (err) => decoder.emit('error', err))
  input.pipe(decoder)
  // A classic stream (unbzip2-stream's) is read through a PassThrough: Readable.wrap() turns its
  // 'close', which comes right after 'end', into a premature close while output is still queued.
  const output = decoder instanceof Readable ? decoder : decoder.pipe(new PassThrough())
  if (output !== decoder) decoder.on('error', (err) => output.destroy(err))
  try {
    for await (const chunk of output as AsyncIterable<Buffer>) yield chunk
  } catch (err) {
    if (sourceError) throw sourceError.err
    throw corrupt(kind, err)
  } finally {
    input.destroy()
    output.destroy()
  }
}

async function* zstd(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let out: Buffer[] = []
  let ended = false
  const d = new ZstdDecompress((chunk, final) => {
    if (chunk.length) out.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength))
    if (final) ended = true
  })
  const push = (b: Uint8Array, final: boolean) => {
    try {
      d.push(b, final)
    } catch (err) {
      throw corrupt('zstd', err)
    }
  }
  for await (const chunk of source) {
    for (let i = 0; i < chunk.length; i += ZSTD_PUSH) {
      push(chunk.subarray(i, i + ZSTD_PUSH), false)
      if (out.length) {
        const ready = out
        out = []
        yield* ready
      }
    }
  }
  push(new Uint8Array(0), true)
  yield* out
  if (!ended) throw new TarError('corrupt zstd stream: it ends inside a frame')
}

function corrupt(kind: Compression, err: unknown): TarError {
  if (err instanceof TarError) return err
  const message = err instanceof Error ? err.message : String(err)
  return new TarError(`corrupt ${kind} stream: ${message}`)
}
