/**
 * One streaming decoder per compression a layer or archive may come in (decompress.ts picks one
 * by magic bytes): gzip from Node's zlib, zstd from fzstd, xz and bzip2 from the Debian tools
 * (`xz -dc`, `bzip2 -dc`) in a child process, as Docker runs `xz -dc` for xz. Why: docs/decisions.md
 * (the npm xz and bzip2 decoders held hundreds of MiB for a small bomb). Each turns an async
 * iterable of compressed bytes into one of plain bytes with backpressure, never the whole stream.
 * Errors: a source error comes out as it went in; anything the decoder itself reports is a
 * TarError "corrupt <kind> stream" (so INVALID_ARGUMENT at the RPC boundary).
 * Tests: test/unit/tar/decompress.test.ts, test/integration/compressed-memory.test.ts
 */
import { spawn } from 'node:child_process'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import * as zlib from 'node:zlib'
import { Decompress as ZstdDecompress } from 'fzstd'
import { TarError } from './tar-header.js'

export type Compression = 'none' | 'gzip' | 'zstd' | 'bzip2' | 'xz'
type Decoder = (source: AsyncIterable<Buffer>) => AsyncIterable<Buffer>

/**
 * fzstd decodes a whole push before it returns, and a few bytes can stand for megabytes (256 MiB
 * of zeros is 8 KiB in zstd): small pushes bound what one push can expand to.
 */
const ZSTD_PUSH = 256
/** xz refuses streams whose dictionary needs more (xz -9 needs 65 MiB). */
const XZ_MEMLIMIT = '512MiB'

export const decoders: Record<Exclude<Compression, 'none'>, Decoder> = {
  gzip: (source) => viaStream('gzip', source, zlib.createGunzip()),
  bzip2: (source) => viaTool('bzip2', ['-d', '-c', '-q'], source),
  xz: (source) => viaTool('xz', ['-d', '-c', '-q', '-q', `--memlimit=${XZ_MEMLIMIT}`], source),
  zstd: zstd,
}

/** Pipes the source through a Node stream decoder and reads its output. */
async function* viaStream(kind: Compression, source: AsyncIterable<Buffer>, decoder: zlib.Gunzip) {
  let sourceError: { err: unknown } | undefined
  const input = Readable.from(watched(source, (err) => (sourceError = { err })))
  input.on('error', (err) => decoder.emit('error', err))
  input.pipe(decoder)
  try {
    for await (const chunk of decoder as AsyncIterable<Buffer>) yield chunk
  } catch (err) {
    if (sourceError) throw sourceError.err
    throw corrupt(kind, err)
  } finally {
    input.destroy()
    decoder.destroy()
  }
}

/**
 * Pipes the source through the tool (`xz`, `bzip2`) in a child process: the pipes give
 * backpressure both ways, so the tool waits while the layer is written. A non-zero exit is a corrupt
 * stream, with the tool's own words; the child is killed when the reader stops early.
 */
async function* viaTool(kind: 'xz' | 'bzip2', args: string[], source: AsyncIterable<Buffer>) {
  const child = spawn(kind, args, { stdio: ['pipe', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (b: Buffer) => {
    if (stderr.length < 4096) stderr += b.toString()
  })
  const exited = new Promise<{ code: number | null; error?: Error }>((resolve) => {
    child.once('error', (error) => resolve({ code: null, error }))
    child.once('close', (code) => resolve({ code }))
  })
  let sourceError: { err: unknown } | undefined
  const feeding = pipeline(Readable.from(watched(source, (err) => (sourceError = { err }))), child.stdin).catch(() =>
    child.kill(),
  ) // EPIPE when the tool stopped at bad data; its exit status says why
  try {
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) yield chunk
    const [{ code, error }] = await Promise.all([exited, feeding])
    if (sourceError) throw sourceError.err
    if (error) throw new Error(`cannot run ${kind} to decode an ${kind} stream: ${error.message}`, { cause: error })
    if (code !== 0) throw new TarError(`corrupt ${kind} stream: ${stderr.trim() || `${kind} exited with ${code}`}`)
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill()
  }
}

/** The source as it is, telling `onError` about its own error before passing it on. */
async function* watched(source: AsyncIterable<Buffer>, onError: (err: unknown) => void): AsyncGenerator<Buffer> {
  try {
    yield* source
  } catch (err) {
    onError(err)
    throw err
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
