/** Request decoding: bounds, NUL-terminated names, and names that are not UTF-8 (kept as their bytes). */
import t from 'tap'
import { encodeName } from '../../../daemon/overlay/names.js'
import { Body, decodeHeader } from '../../../daemon/fuse/request.js'
import { IN_HEADER } from '../../../daemon/fuse/abi.js'

/** A request buffer: a header with the right length, then `body`. */
function request(body: Buffer): Buffer {
  const buf = Buffer.concat([Buffer.alloc(IN_HEADER), body])
  buf.writeUInt32LE(buf.length, 0)
  return buf
}

t.test('a header whose length field disagrees with the bytes read is refused', async (t) => {
  const buf = request(Buffer.alloc(4))
  t.equal(decodeHeader(buf).len, buf.length)
  buf.writeUInt32LE(buf.length + 1, 0)
  t.throws(() => decodeHeader(buf), { code: 'EIO' })
})

t.test('names: UTF-8 in order, a missing NUL is malformed', async (t) => {
  const body = new Body(request(Buffer.from('caf\u00e9\0b\0', 'utf8')))
  t.equal(body.name(), 'caf\u00e9')
  t.equal(body.name(), 'b')
  t.throws(() => new Body(request(Buffer.from('x'))).name(), { code: 'EIO' })
})

t.test('a name that is not UTF-8 is decoded with escapes: distinct, and its bytes again when encoded', async (t) => {
  const seen = new Set<string>()
  for (const bad of [[0x80], [0xff], [0x61, 0xc3], Array(255).fill(0x80)]) {
    const name = new Body(request(Buffer.from([...bad, 0]))).name()
    t.same(encodeName(name), Buffer.from(bad), Buffer.from(bad).toString('hex').slice(0, 8))
    t.notOk(seen.has(name))
    seen.add(name)
  }
  const after = new Body(request(Buffer.from([0xff, 0, 0x62, 0])))
  t.equal(after.name(), '\uDCFF')
  t.equal(after.name(), 'b', 'the cursor moved past the first name')
})

t.test('numbers past the body are malformed; offsets past 2^53 are EFBIG', async (t) => {
  const big = Buffer.alloc(8)
  big.writeBigUInt64LE(2n ** 60n)
  t.throws(() => new Body(request(big)).num64(), { code: 'EFBIG' })
  t.throws(() => new Body(request(Buffer.alloc(2))).u32(), { code: 'EIO' })
})

t.test('node ids are numbers, in the header and in the body; one past 2^53 is no id of ours', async (t) => {
  const buf = request(Buffer.alloc(16))
  buf.writeBigUInt64LE(2n ** 32n + 7n, 16)
  buf.writeBigUInt64LE(5n, IN_HEADER)
  buf.writeBigUInt64LE(2n ** 64n - 1n, IN_HEADER + 8)
  t.equal(decodeHeader(buf).nodeid, 2 ** 32 + 7)
  const body = new Body(buf)
  t.equal(body.nodeid(), 5)
  t.ok(body.nodeid() > Number.MAX_SAFE_INTEGER)
  t.throws(() => body.nodeid(), { code: 'EIO' })
})
