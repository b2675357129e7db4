/** Request decoding: bounds, NUL-terminated names, and names that are not UTF-8. */
import t from 'tap'
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

t.test('a name that is not UTF-8 is EILSEQ, never turned into another name', async (t) => {
  for (const bad of [[0x80], [0xff], [0x61, 0xc3], Array(255).fill(0x80)]) {
    const body = new Body(request(Buffer.from([...bad, 0])))
    t.throws(() => body.name(), { code: 'EILSEQ' }, Buffer.from(bad).toString('hex').slice(0, 8))
  }
  const after = new Body(request(Buffer.from([0xff, 0, 0x62, 0])))
  t.throws(() => after.name(), { code: 'EILSEQ' })
  t.equal(after.name(), 'b', 'the cursor still moved past the bad name')
})

t.test('numbers past the body are malformed; offsets past 2^53 are EFBIG', async (t) => {
  const big = Buffer.alloc(8)
  big.writeBigUInt64LE(2n ** 60n)
  t.throws(() => new Body(request(big)).num64(), { code: 'EFBIG' })
  t.throws(() => new Body(request(Buffer.alloc(2))).u32(), { code: 'EIO' })
})
