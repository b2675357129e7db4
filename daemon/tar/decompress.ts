/**
 * Layer and archive streams arrive plain or compressed; the first bytes say which, as Docker
 * detects them (gzip, bzip2, xz, zstd, a zstd skippable frame counting as zstd). The stream is
 * decoded while it flows (decoders.ts); anything that is not one of these is passed on as is.
 * Errors: TarError for a corrupt compressed stream (INVALID_ARGUMENT at the RPC boundary).
 * Tests: test/unit/tar/decompress.test.ts, test/unit/layers/layer-store.test.ts
 */
import { decoders, type Compression } from './decoders.js'

export type { Compression } from './decoders.js'

const MAGIC: Array<[Compression, number[]]> = [
  ['gzip', [0x1f, 0x8b, 0x08]],
  ['bzip2', [0x42, 0x5a, 0x68]],
  ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
  ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
]

/** How many bytes `sniff` needs to decide. */
export const SNIFF_BYTES = 6

export function sniff(head: Buffer): Compression {
  for (const [name, magic] of MAGIC) if (magic.every((b, i) => head[i] === b)) return name
  // A skippable frame (0x184D2A50..5F, little-endian): zstd streams may start with one.
  if (head.length >= 4 && (head[0]! & 0xf0) === 0x50 && head[1] === 0x2a && head[2] === 0x4d && head[3] === 0x18)
    return 'zstd'
  return 'none'
}

export async function* decompress(source: AsyncIterable<Uint8Array>): AsyncGenerator<Buffer> {
  const it = source[Symbol.asyncIterator]()
  const head: Buffer[] = []
  let headLen = 0
  let done = false
  while (headLen < SNIFF_BYTES && !done) {
    const n = await it.next()
    if (n.done) done = true
    else {
      head.push(Buffer.from(n.value))
      headLen += n.value.length
    }
  }
  const first = Buffer.concat(head)
  const rest = (async function* () {
    if (first.length) yield first
    if (done) return
    for (let n = await it.next(); !n.done; n = await it.next()) yield Buffer.from(n.value)
  })()
  const kind = sniff(first)
  if (kind === 'none') return yield* rest
  yield* decoders[kind](rest)
}
