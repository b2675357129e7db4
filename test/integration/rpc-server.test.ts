/**
 * The RPC transport over a real Unix socket: typed errors, many calls in flight, streams with
 * backpressure, hostile frames and vanishing clients, access control, and a bounded stop.
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { createHash } from 'node:crypto'
import { readdirSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { Writable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import t, { type Test } from 'tap'
import { StrataClient } from '../../client/client.js'
import { encodeFrame, ERROR_CODES, FrameDecoder, StrataError, type Frame } from '../../client/protocol.js'
import { pattern, startTestServer, type TestServer } from '../helpers/rpc-server.js'

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex')
const RPC_CALL = fileURLToPath(new URL('../helpers/rpc-call.js', import.meta.url))

async function client(t: Test, s: TestServer): Promise<StrataClient> {
  const c = await StrataClient.connect({ socket: s.path })
  t.teardown(() => c.close())
  return c
}

/** A raw connection: write bytes, collect frames until the daemon closes it. */
function raw(s: TestServer): { socket: Socket; frames: Frame[]; closed: Promise<void> } {
  const socket = connect(s.path)
  const frames: Frame[] = []
  const decoder = new FrameDecoder()
  socket.on('data', (d: Buffer) => frames.push(...decoder.push(d)))
  socket.on('error', () => socket.destroy())
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
  return { socket, frames, closed }
}

const hello = encodeFrame({ id: 0, method: 'hello', params: { version: 1 } })

async function until(what: string, check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

t.test('every error code reaches the client as the same typed error', async (t) => {
  const s = await startTestServer(t)
  const c = await client(t, s)
  for (const code of ERROR_CODES) {
    const err = await c.callRaw('test.fail', { code }).catch((e: unknown) => e)
    t.ok(err instanceof StrataError, `${code} is a StrataError`)
    t.match(err, { code, message: `failing with ${code}` })
  }
  await t.rejects(c.callRaw('test.crash', {}), { code: 'INTERNAL', message: /boom/ })
  t.ok(
    s.logs.some((l) => l.includes('answering INTERNAL') && l.includes('boom')),
    'the unexpected error is logged',
  )
  await t.rejects(c.callRaw('no.such', {}), { code: 'NOT_FOUND', message: /unknown method no.such/ })
  await t.rejects(c.callRaw('toString', {}), { code: 'NOT_FOUND' }, 'inherited names are not methods')
  t.same(await c.callRaw('test.echo', { a: [1, 'x'] }), { a: [1, 'x'] }, 'the connection still works')
})

t.test('many calls in flight on one connection, answered out of order', async (t) => {
  const s = await startTestServer(t)
  const c = await client(t, s)
  const calls = Array.from({ length: 500 }, (_, i) =>
    i % 5 === 0 ? c.callRaw('test.sleep', { ms: 50 - (i % 50) }) : c.callRaw('test.echo', { i }),
  )
  const results = await Promise.all(calls)
  results.forEach((r, i) => {
    if (i % 5 !== 0) t.same(r, { i })
  })
  t.equal(results.length, 500)
})

t.test('uploads keep to the window even when the daemon reads slowly', async (t) => {
  const s = await startTestServer(t)
  const c = await client(t, s)
  const data = pattern(12 * 1024 * 1024, 7)
  async function* source() {
    for (let off = 0; off < data.length; off += 1_000_003) yield data.subarray(off, off + 1_000_003)
  }
  const r = await c.callRaw('test.upload', { name: 'big', delayMs: 2 }, { upload: source() })
  t.same(r, { bytes: data.length, sha256: sha256(data) })
  t.same(readdirSync(`${s.dir}/done`), ['big'])
  t.notOk(
    s.logs.some((l) => l.includes('stream window')),
    'the client never overran the window',
  )
})

t.test('downloads keep to the window when the client writes slowly', async (t) => {
  const s = await startTestServer(t)
  const c = await client(t, s)
  const parts: Buffer[] = []
  let maxBuffered = 0
  const sink = new Writable({
    highWaterMark: 64 * 1024,
    write(chunk: Buffer, _enc, cb) {
      parts.push(chunk)
      setTimeout(cb, 1)
    },
  })
  const events: unknown[] = []
  const timer = setInterval(() => (maxBuffered = Math.max(maxBuffered, sink.writableLength)), 1)
  const r = (await c.callRaw(
    'test.download',
    { bytes: 9 * 1024 * 1024, events: 3 },
    { download: sink, onEvent: (e) => events.push(e) },
  )) as {
    sha256: string
  }
  clearInterval(timer)
  const got = Buffer.concat(parts)
  t.equal(got.length, 9 * 1024 * 1024)
  t.equal(sha256(got), r.sha256)
  t.equal(events.length, 3)
  t.ok(maxBuffered <= 4 * 1024 * 1024 + 256 * 1024, `client buffered at most one window (saw ${maxBuffered})`)
})

t.test('a malformed frame closes only its own connection', async (t) => {
  const s = await startTestServer(t)
  const good = await client(t, s)
  const bad = raw(s)
  bad.socket.write(hello)
  bad.socket.write(Buffer.from([0, 0, 0, 3, 0xc1, 0xc1, 0xc1]))
  await bad.closed
  t.match(bad.frames.at(-1), { id: 0, error: { code: 'INVALID_ARGUMENT', message: /does not decode/ } })
  t.ok(
    s.logs.some((l) => l.includes('closing connection') && l.includes('does not decode')),
    'logged with its reason',
  )
  t.same(await good.callRaw('test.echo', { still: 'here' }), { still: 'here' })
})

t.test('an oversized frame is refused before its body arrives', async (t) => {
  const s = await startTestServer(t)
  const good = await client(t, s)
  const bad = raw(s)
  bad.socket.write(hello)
  const head = Buffer.alloc(4)
  head.writeUInt32BE(1024 * 1024 + 1)
  bad.socket.write(head)
  await bad.closed
  t.match(bad.frames.at(-1), { id: 0, error: { message: /over the limit/ } })
  t.same(await good.callRaw('test.echo', 1), 1)
})

t.test('no hello, a wrong version, a reused id: the connection is closed with a reason', async (t) => {
  const s = await startTestServer(t)
  const noHello = raw(s)
  noHello.socket.write(encodeFrame({ id: 1, method: 'test.echo', params: {} }))
  await noHello.closed
  t.match(noHello.frames.at(-1), { id: 0, error: { message: /first frame must be hello/ } })
  await t.rejects(
    (async () => {
      const r = raw(s)
      r.socket.write(encodeFrame({ id: 0, method: 'hello', params: { version: 99 } }))
      await r.closed
      throw new StrataError(
        'INVALID_ARGUMENT',
        String((r.frames.at(-1) as { error: { message: string } }).error.message),
      )
    })(),
    { message: /protocol version 99 is not supported/ },
  )
  const dup = raw(s)
  dup.socket.write(hello)
  dup.socket.write(encodeFrame({ id: 5, method: 'test.sleep', params: { ms: 1000, tag: 'dup' } }))
  dup.socket.write(encodeFrame({ id: 5, method: 'test.echo', params: {} }))
  await dup.closed
  t.match(dup.frames.at(-1), { id: 0, error: { message: /already in use/ } })
  await until('the orphaned call to be cancelled', () => s.aborted.has('dup'))
})

t.test('a truncated stream and a client that vanishes mid-upload leave nothing behind', async (t) => {
  const s = await startTestServer(t)
  const good = await client(t, s)
  const cut = raw(s)
  cut.socket.write(hello)
  cut.socket.end(encodeFrame({ id: 1, method: 'test.echo', params: { x: 1 } }).subarray(0, 6))
  await cut.closed

  const vanishing = raw(s)
  vanishing.socket.write(hello)
  vanishing.socket.write(encodeFrame({ id: 1, method: 'test.upload', params: { name: 'half' } }))
  vanishing.socket.write(encodeFrame({ id: 1, chunk: pattern(100_000) }))
  await until('the upload to be staged', () => readdirSync(`${s.dir}/tmp`).includes('half'))
  vanishing.socket.destroy()
  await until('the staging file to be removed', () => readdirSync(`${s.dir}/tmp`).length === 0)
  t.same(readdirSync(`${s.dir}/done`), [], 'nothing was renamed into place')
  t.same(await good.callRaw('test.echo', 'ok'), 'ok')
  await until('the server to drop both connections', () => s.server.connectionCount === 1)
})

t.test('a failing upload source cancels the call; an AbortSignal cancels it on the daemon', async (t) => {
  const s = await startTestServer(t)
  const c = await client(t, s)
  async function* failing() {
    yield pattern(300_000)
    throw new Error('disk read failed')
  }
  await t.rejects(c.callRaw('test.upload', { name: 'f' }, { upload: failing() }), { message: 'disk read failed' })
  await until('staging to be cleaned', () => readdirSync(`${s.dir}/tmp`).length === 0)
  t.same(readdirSync(`${s.dir}/done`), [])
  const ac = new AbortController()
  const call = c.callRaw('test.sleep', { ms: 10_000, tag: 'cancelled' }, { signal: ac.signal })
  setTimeout(() => ac.abort(new StrataError('UNAVAILABLE', 'user pressed ^C')), 50)
  await t.rejects(call, { message: 'user pressed ^C' })
  await until('the daemon to see the cancel', () => s.aborted.has('cancelled'))
  t.same(await c.callRaw('test.echo', 2), 2, 'the connection is still usable')
})

t.test('peers: root passes; others need the group; root-only methods stay root-only', async (t) => {
  const open = await startTestServer(t, { mode: 0o666, gid: 4242 })
  // Asynchronously: the server runs in this process and must keep answering meanwhile.
  const run = async (user: string[], method: string, socket = open.path) => {
    // env -u: tap adds its process-info hook through NODE_OPTIONS, which uid 1000 cannot write.
    const args = [...user, 'env', '-u', 'NODE_OPTIONS', process.execPath, RPC_CALL, socket, method, '{}']
    const { stdout } = await promisify(execFile)('setpriv', args, { encoding: 'utf8', timeout: 30_000 })
    return JSON.parse(stdout) as { result?: unknown; code?: string; message?: string }
  }
  const outsider = ['--reuid=1000', '--regid=1000', '--clear-groups']
  const member = ['--reuid=1000', '--regid=1000', '--groups=4242']
  const primary = ['--reuid=1000', '--regid=4242', '--clear-groups']
  t.match(await run(outsider, 'test.echo'), { code: 'PERMISSION_DENIED', message: /uid 1000 .* may not use stratad/ })
  t.ok(
    open.logs.some((l) => l.includes('refused a peer')),
    'the refusal is logged',
  )
  t.match(await run(member, 'test.echo'), { result: {} }, 'a supplementary member is let in')
  t.match(await run(primary, 'test.echo'), { result: {} }, 'a primary member is let in')
  t.match(await run(member, 'test.root'), { code: 'PERMISSION_DENIED', message: /root only/ })
  const closed = await startTestServer(t)
  t.match(
    await run(outsider, 'test.echo', closed.path),
    { code: 'PERMISSION_DENIED', message: /permission denied on/ },
    'mode 0660 refuses at connect',
  )
})

t.test('close waits for calls in flight, then cancels what is left', async (t) => {
  const s = await startTestServer(t)
  const c = await client(t, s)
  const quick = c.callRaw('test.sleep', { ms: 200 })
  const slow = c.callRaw('test.sleep', { ms: 60_000, tag: 'slow' })
  await new Promise((r) => setTimeout(r, 20))
  const started = Date.now()
  const closing = s.server.close(500)
  await t.rejects(
    StrataClient.connect({ socket: s.path }),
    { code: 'UNAVAILABLE' },
    'no new connections while stopping',
  )
  t.same(await quick, { slept: 200 }, 'a call in flight finished')
  await t.rejects(slow, { code: 'UNAVAILABLE' })
  await closing
  t.ok(s.aborted.has('slow'))
  t.ok(Date.now() - started < 5000, 'the wait is bounded')
})
