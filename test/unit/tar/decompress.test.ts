import t from 'tap'
import { spawnSync } from 'node:child_process'
import { gzipSync } from 'node:zlib'
import { decompress, sniff } from '../../../daemon/tar/decompress.js'
import { TarError } from '../../../daemon/tar/tar-header.js'

/** Compressed by the Debian tool itself (xz-utils, bzip2, zstd, gzip), as users make them. */
function compress(tool: string, data: Buffer, args: string[] = []): Buffer {
  const r = spawnSync(tool, ['-c', ...args], { input: data, maxBuffer: 1 << 28 })
  if (r.status !== 0) throw new Error(`${tool} failed: ${r.stderr.toString()}`)
  return r.stdout
}

async function* chunked(b: Buffer, size = 4096): AsyncGenerator<Buffer> {
  for (let i = 0; i < b.length; i += size) yield b.subarray(i, i + size)
}

async function collect(it: AsyncIterable<Buffer>): Promise<Buffer> {
  const out: Buffer[] = []
  for await (const b of it) out.push(b)
  return Buffer.concat(out)
}

const plain = Buffer.alloc(1_000_000)
for (let i = 0; i < plain.length; i++) plain[i] = (i * 2654435761) >>> 27 // compressible, not trivial

const TOOLS = [
  ['gzip', 'gzip'],
  ['bzip2', 'bzip2'],
  ['xz', 'xz'],
  ['zstd', 'zstd'],
] as const

for (const [kind, tool] of TOOLS) {
  t.test(`${kind}: sniffed, decoded while streaming, corrupt or cut streams are TarErrors`, async (t) => {
    const packed = compress(tool, plain, tool === 'zstd' ? ['-q'] : [])
    t.equal(sniff(packed), kind)
    t.ok((await collect(decompress(chunked(packed)))).equals(plain), 'round trip')
    t.ok((await collect(decompress(chunked(packed, 1)))).length === plain.length, 'one byte at a time')
    await t.rejects(collect(decompress(chunked(packed.subarray(0, packed.length >> 1)))), TarError, 'cut in half')
    const bad = Buffer.from(packed)
    for (let i = 64; i < 96; i++) bad[i] = bad[i]! ^ 0x5a
    // A flipped byte either breaks the decoder or, where the format has no checksum there, the output:
    // what counts is that it is never an error other than a TarError.
    await collect(decompress(chunked(bad))).then(
      (out) => t.notOk(out.equals(plain), 'damaged output differs'),
      (err: unknown) => t.type(err, TarError, `damaged: ${(err as Error).message}`),
    )
  })
}

t.test('concatenated streams decode as one, as the tools do', async (t) => {
  const a = plain.subarray(0, 1000)
  const b = plain.subarray(1000, 5000)
  for (const [kind, tool] of TOOLS) {
    const both = Buffer.concat([compress(tool, a, ['-q']), compress(tool, b, ['-q'])])
    t.ok((await collect(decompress(chunked(both, 100)))).equals(plain.subarray(0, 5000)), kind)
  }
})

t.test('a zstd stream that starts with a skippable frame is zstd', async (t) => {
  const skip = Buffer.from([0x50, 0x2a, 0x4d, 0x18, 4, 0, 0, 0, 1, 2, 3, 4])
  const packed = Buffer.concat([skip, compress('zstd', plain.subarray(0, 100), ['-q'])])
  t.equal(sniff(packed), 'zstd')
  t.ok((await collect(decompress(chunked(packed)))).equals(plain.subarray(0, 100)))
})

t.test('plain bytes pass unchanged, short and empty ones too', async (t) => {
  t.equal(sniff(Buffer.from('ustar')), 'none')
  t.ok((await collect(decompress(chunked(plain)))).equals(plain))
  t.same(await collect(decompress(chunked(Buffer.from('ab')))), Buffer.from('ab'))
  t.same(await collect(decompress(chunked(Buffer.alloc(0)))), Buffer.alloc(0))
})

t.test("the source's own error comes out unchanged, not as a corrupt stream", async (t) => {
  const packed = gzipSync(plain)
  const boom = new Error('the client went away')
  async function* failing() {
    yield packed.subarray(0, 1000)
    throw boom
  }
  await t.rejects(collect(decompress(failing())), boom)
  const z = compress('zstd', plain, ['-q'])
  async function* failingZstd() {
    yield z.subarray(0, 1000)
    throw boom
  }
  await t.rejects(collect(decompress(failingZstd())), boom)
  const x = compress('xz', plain)
  async function* failingXz() {
    yield x.subarray(0, 1000)
    throw boom
  }
  await t.rejects(collect(decompress(failingXz())), boom, 'xz, decoded by a child process')
})

t.test('a reader that stops early ends the xz and bzip2 child processes', async (t) => {
  for (const tool of ['xz', 'bzip2']) {
    const it = decompress(chunked(compress(tool, plain)))[Symbol.asyncIterator]()
    t.ok(!(await it.next()).done)
    await it.return(undefined)
    t.pass(`${tool}: returned without reading the rest`)
  }
})

t.test('a zstd bomb never sits whole in memory: output comes a block at a time', async (t) => {
  const zeros = compress('zstd', Buffer.alloc(64 << 20), ['-q', '-19'])
  t.ok(zeros.length < 64 * 1024, `64 MiB of zeros packs into ${zeros.length} bytes`)
  let biggest = 0
  let total = 0
  for await (const b of decompress(chunked(zeros, 65536))) {
    biggest = Math.max(biggest, b.length)
    total += b.length
  }
  t.equal(total, 64 << 20)
  t.ok(biggest <= 1 << 20, `largest chunk ${biggest} bytes`)
})
