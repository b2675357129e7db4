import t from 'tap'
import { CreditWindow, STREAM_CHUNK_BYTES } from '../../../client/protocol.js'
import { sendChunks } from '../../../client/send-chunks.js'

const turn = () => new Promise((r) => setImmediate(r))

t.test('bytes leave in chunks of STREAM_CHUNK_BYTES, each once the window has room', async (t) => {
  const window = new CreditWindow(2 * STREAM_CHUNK_BYTES)
  const sent: number[] = []
  const data = Buffer.alloc(3 * STREAM_CHUNK_BYTES + 10)
  let done = false
  const p = sendChunks(data, {
    window,
    write: (c) => (sent.push(c.length), true),
    drained: async () => undefined,
  }).then(() => (done = true))
  await turn()
  t.same(sent, [STREAM_CHUNK_BYTES, STREAM_CHUNK_BYTES], 'stops at a full window')
  window.ack(STREAM_CHUNK_BYTES)
  await turn()
  t.same(sent.length, 3)
  t.equal(done, false, 'the last chunk waits for credit too')
  window.ack(STREAM_CHUNK_BYTES)
  await p
  t.same(sent, [STREAM_CHUNK_BYTES, STREAM_CHUNK_BYTES, STREAM_CHUNK_BYTES, 10])
})

t.test('a full socket buffer holds the next chunk until it drains', async (t) => {
  const window = new CreditWindow(10 * STREAM_CHUNK_BYTES)
  const sent: number[] = []
  let drain: () => void = () => undefined
  const drained = () => new Promise<void>((r) => (drain = r))
  const p = sendChunks(Buffer.alloc(2 * STREAM_CHUNK_BYTES), {
    window,
    write: (c) => (sent.push(c.length), false),
    drained,
  })
  await turn()
  t.equal(sent.length, 1, 'waits for drain')
  drain()
  await turn()
  t.equal(sent.length, 2)
  drain()
  await p
})

t.test('a window that fails (the call ended) stops the sender with its error', async (t) => {
  const window = new CreditWindow(STREAM_CHUNK_BYTES)
  const p = sendChunks(Buffer.alloc(2 * STREAM_CHUNK_BYTES), {
    window,
    write: () => true,
    drained: async () => undefined,
  })
  await turn()
  window.fail(new Error('the call has ended'))
  await t.rejects(p, { message: 'the call has ended' })
})
