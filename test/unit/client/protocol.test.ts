import t from 'tap'
import { Packr } from 'msgpackr'
import { CreditWindow, encodeFrame, FrameDecoder, StrataError } from '../../../client/protocol.js'

const raw = (body: Buffer): Buffer => {
  const head = Buffer.alloc(4)
  head.writeUInt32BE(body.length)
  return Buffer.concat([head, body])
}

t.test('frames round-trip, also when split at every byte', async (t) => {
  const frames = [
    { id: 1, method: 'system.ping', params: {} },
    { id: 1, result: { pong: true } },
    { id: 2, chunk: new Uint8Array([1, 2, 3]) },
    { id: 3, error: { code: 'NOT_FOUND' as const, message: 'no image x' } },
  ]
  const wire = Buffer.concat(frames.map((f) => encodeFrame(f)))
  const d = new FrameDecoder()
  const got = []
  for (let i = 0; i < wire.length; i++) got.push(...d.push(wire.subarray(i, i + 1)))
  t.equal(got.length, 4)
  t.same(got[0], frames[0])
  t.same(Buffer.from((got[2] as { chunk: Uint8Array }).chunk), Buffer.from([1, 2, 3]))
  t.equal(d.pending, 0)
})

t.test('an oversized frame is refused from its length prefix alone', async (t) => {
  const d = new FrameDecoder(1024)
  const head = Buffer.alloc(4)
  head.writeUInt32BE(1025)
  t.throws(() => d.push(head), { name: 'FrameError' })
  t.throws(() => new FrameDecoder(1024).push(Buffer.from([0xff, 0xff, 0xff, 0xff])), /over the limit/)
})

t.test('bodies that are not frames are refused', async (t) => {
  const packr = new Packr({ useRecords: false })
  const cases: Array<[string, Buffer]> = [
    ['undecodable', Buffer.from([0xc1])],
    ['truncated map', Buffer.from([0x82, 0xa2, 0x69])],
    ['trailing bytes', Buffer.from([0x01, 0x02])],
    ['not a map', packr.pack([1, 2])],
    ['a string', packr.pack('hello')],
    ['no id', packr.pack({ method: 'x' })],
    ['negative id', packr.pack({ id: -1 })],
    ['fractional id', packr.pack({ id: 1.5 })],
    ['string id', packr.pack({ id: '1' })],
  ]
  for (const [name, body] of cases) t.throws(() => new FrameDecoder().push(raw(body)), { name: 'FrameError' }, name)
})

t.test('a field holding undefined is left out, never sent as an extension type', async (t) => {
  const wire = encodeFrame({ id: 4, result: [{ id: 'm', error: undefined, pid: null }] })
  t.notOk(wire.includes(Buffer.from([0xd4, 0x00, 0x00])), "msgpackr's undefined extension")
  t.notOk(wire.includes(Buffer.from('error')))
  const [f] = new FrameDecoder().push(wire)
  t.same(f, { id: 4, result: [{ id: 'm', pid: null }] })
})

t.test('a __proto__ key does not reach the prototype', async (t) => {
  const body = Buffer.from([0x82, 0xa2, 0x69, 0x64, 0x01, 0xa9, ...Buffer.from('__proto__'), 0x81, 0xa1, 0x78, 0x01])
  const [f] = new FrameDecoder().push(raw(body))
  t.equal(Object.getPrototypeOf(f), Object.prototype)
  t.equal(({} as { x?: number }).x, undefined)
})

t.test('CreditWindow holds senders past the window until acks arrive', async (t) => {
  const w = new CreditWindow(10)
  await w.reserve(6)
  await w.reserve(4)
  let third = false
  const p = w.reserve(5).then(() => (third = true))
  await new Promise((r) => setImmediate(r))
  t.equal(third, false, 'got past a full window')
  w.ack(4)
  await new Promise((r) => setImmediate(r))
  t.equal(third, false, 'got in with 1 byte short')
  w.ack(1)
  await p
  t.equal(third, true)
  const big = new CreditWindow(10)
  await big.reserve(50) // an empty window lets one oversized chunk through
  const failing = big.reserve(1)
  big.fail(new StrataError('UNAVAILABLE', 'gone'))
  await t.rejects(failing, { code: 'UNAVAILABLE' })
  await t.rejects(big.reserve(1), { code: 'UNAVAILABLE' })
})
