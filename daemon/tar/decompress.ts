/**
 * Layer streams arrive plain or compressed; the first bytes say which. gzip is undone while
 * streaming; zstd when this Node's zlib has it (Node 22.15+); anything else compressed is a clear
 * TarError rather than a confusing "not a tar".
 */
import { Readable } from 'node:stream'
import * as zlib from 'node:zlib'
import { TarError } from './tar-header.js'

const MAGIC: Array<[string, number[]]> = [
  ['gzip', [0x1f, 0x8b]],
  ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
  ['bzip2', [0x42, 0x5a, 0x68]],
  ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
]

export type Compression = 'none' | 'gzip' | 'zstd' | 'bzip2' | 'xz'

export function sniff(head: Buffer): Compression {
  for (const [name, magic] of MAGIC) if (magic.every((b, i) => head[i] === b)) return name as Compression
  return 'none'
}

type Zlib = typeof zlib & { createZstdDecompress?: () => NodeJS.ReadWriteStream }

export async function* decompress(source: AsyncIterable<Uint8Array>): AsyncGenerator<Buffer> {
  const it = source[Symbol.asyncIterator]()
  const head: Buffer[] = []
  let headLen = 0
  let done = false
  while (headLen < 6 && !done) {
    const n = await it.next()
    if (n.done) done = true
    else {
      head.push(Buffer.from(n.value))
      headLen += n.value.length
    }
  }
  const first = Buffer.concat(head)
  const rest = (async function* () {
    yield first
    if (done) return
    for (let n = await it.next(); !n.done; n = await it.next()) yield Buffer.from(n.value)
  })()
  const kind = sniff(first)
  if (kind === 'none') return yield* rest
  const z = zlib as Zlib
  const make = kind === 'gzip' ? () => zlib.createGunzip() : kind === 'zstd' ? z.createZstdDecompress : undefined
  if (!make)
    throw new TarError(
      `${kind}-compressed layers are not supported${kind === 'zstd' ? ' by this Node (needs 22.15 or later)' : ''}`,
    )
  const inflate = make()
  Readable.from(rest)
    .on('error', (err) => inflate.emit('error', err))
    .pipe(inflate as NodeJS.WritableStream)
  try {
    for await (const chunk of inflate as AsyncIterable<Buffer>) yield chunk
  } catch (err) {
    if (err instanceof TarError) throw err
    const code = (err as NodeJS.ErrnoException).code ?? ''
    if (code.startsWith('Z_') || code === 'ERR_ZLIB_INITIALIZATION_FAILED')
      throw new TarError(`corrupt ${kind} stream: ${(err as Error).message}`)
    throw err
  }
}
