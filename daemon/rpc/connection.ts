/**
 * One client connection: the hello handshake, then any number of concurrent calls, each with
 * its own AbortController, upload queue and download window. A frame that breaks the protocol
 * (over the size limit, undecodable, out of order) closes this connection only, with a log line
 * and a last error frame (id 0) saying why. A connection that closes aborts its calls.
 */
import type { Socket } from 'node:net'
import {
  CreditWindow,
  encodeFrame,
  FrameDecoder,
  FrameError,
  PROTOCOL_VERSION,
  StrataError,
  type Frame,
  type WireError,
} from '../../client/protocol.js'
import { sendChunks } from '../../client/send-chunks.js'
import { invalidArgument, notFound, permissionDenied, unavailable } from '../errors.js'
import type { Logger } from '../log.js'
import { toWireError, type CallContext, type MethodTable } from './dispatch.js'
import type { Peer } from './peer-cred.js'
import { UploadQueue } from './upload-queue.js'

export interface ConnectionOptions {
  methods: MethodTable
  log: Logger
  maxFrameBytes: number
  maxCallsInFlight: number
  daemonVersion: string
  onCallStart(): void
  onCallEnd(): void
}

interface Call {
  abort: AbortController
  upload?: UploadQueue
  window?: CreditWindow
}

export class Connection {
  private readonly decoder: FrameDecoder
  private readonly calls = new Map<number, Call>()
  private greeted = false
  private closed = false
  readonly done: Promise<void>

  constructor(
    private readonly socket: Socket,
    readonly peer: Peer,
    private readonly o: ConnectionOptions,
  ) {
    this.decoder = new FrameDecoder(o.maxFrameBytes)
    socket.on('data', (data: Buffer) => this.onData(data))
    this.done = new Promise((resolve) => socket.once('close', resolve)).then(() => this.onClose())
    socket.on('error', (err) => o.log.debug('connection error', { pid: peer.pid, err }))
  }

  get callsInFlight(): number {
    return this.calls.size
  }

  /** Cancels every call (the daemon is stopping) and closes the connection once they answered. */
  abortAll(reason: StrataError): void {
    for (const call of this.calls.values()) call.abort.abort(reason)
  }

  destroy(): void {
    this.socket.destroy()
  }

  private onData(data: Buffer): void {
    if (this.closed) return
    let frames: Frame[]
    try {
      frames = this.decoder.push(data)
    } catch (err) {
      if (!(err instanceof FrameError)) throw err
      return this.refuse(err.message)
    }
    for (const frame of frames) {
      if (this.closed) return
      this.onFrame(frame)
    }
  }

  private onFrame(f: Frame): void {
    if (!this.greeted) return this.onHello(f)
    if ('method' in f) return this.onRequest(f.id, f.method, f.params)
    const call = this.calls.get(f.id)
    if (!call) return // a late frame for a call that already ended
    if ('chunk' in f) {
      if (!(f.chunk instanceof Uint8Array) || !call.upload) return this.refuse(`unexpected chunk for call ${f.id}`)
      if (!call.upload.push(Buffer.from(f.chunk.buffer, f.chunk.byteOffset, f.chunk.byteLength)))
        return this.refuse(`call ${f.id} sent more than the stream window`)
    } else if ('end' in f) call.upload?.end()
    else if ('ack' in f) call.window?.ack(Number(f.ack) || 0)
    else if ('cancel' in f) call.abort.abort(unavailable('call cancelled by the client'))
    else this.refuse(`unexpected frame for call ${f.id}`)
  }

  private onHello(f: Frame): void {
    if (!('method' in f) || f.method !== 'hello' || f.id !== 0) return this.refuse('the first frame must be hello')
    const version = (f.params as { version?: unknown } | null)?.version
    if (version !== PROTOCOL_VERSION) {
      const msg = `protocol version ${String(version)} is not supported: this stratad speaks ${PROTOCOL_VERSION}`
      return this.refuse(msg, 'INVALID_ARGUMENT')
    }
    this.greeted = true
    this.write({ id: 0, result: { version: PROTOCOL_VERSION, daemon: this.o.daemonVersion } })
  }

  private onRequest(id: number, method: unknown, params: unknown): void {
    if (id === 0 || this.calls.has(id)) return this.refuse(`call id ${id} is zero or already in use`)
    if (typeof method !== 'string') return this.refuse(`call ${id} has no method name`)
    const def = Object.hasOwn(this.o.methods, method) ? this.o.methods[method] : undefined
    if (!def) return this.reply(id, notFound(`unknown method ${method}`), method)
    if (def.rootOnly && this.peer.uid !== 0)
      return this.reply(id, permissionDenied(`${method} is for root only`), method)
    if (this.calls.size >= this.o.maxCallsInFlight)
      return this.reply(
        id,
        unavailable(`more than ${this.o.maxCallsInFlight} calls in flight on one connection`),
        method,
      )
    const call: Call = { abort: new AbortController() }
    if (def.upload) call.upload = new UploadQueue((ack) => this.write({ id, ack }))
    if (def.download) call.window = new CreditWindow()
    this.calls.set(id, call)
    this.o.onCallStart()
    const ctx = this.context(id, method, call)
    void Promise.resolve()
      .then(() => def.handler(params ?? {}, ctx))
      .then(
        (result) => this.finish(id, call, { id, result: result ?? null }),
        (err: unknown) => this.finish(id, call, { id, error: toWireError(err, method, this.o.log) }),
      )
  }

  private context(id: number, method: string, call: Call): CallContext {
    const { signal } = call.abort
    signal.addEventListener('abort', () => {
      const reason = signal.reason as Error
      call.upload?.fail(reason)
      call.window?.fail(reason)
    })
    return {
      peer: this.peer,
      signal,
      log: this.o.log,
      upload: () => {
        if (!call.upload) throw invalidArgument(`${method} takes no upload`)
        return call.upload.iterate()
      },
      send: async (data) => {
        const window = call.window
        if (!window) throw new TypeError(`${method} has no download stream`)
        const write = (chunk: Uint8Array) => this.write({ id, chunk })
        await sendChunks(data, { window, write, drained: () => this.drained(signal) })
      },
      progress: (event) => {
        if (!signal.aborted) this.write({ id, event })
      },
    }
  }

  private drained(signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(signal.reason as Error)
      signal.addEventListener('abort', onAbort, { once: true })
      this.socket.once('drain', () => {
        signal.removeEventListener('abort', onAbort)
        resolve()
      })
    })
  }

  private finish(id: number, call: Call, frame: Frame): void {
    this.calls.delete(id)
    call.upload?.fail(unavailable('the call has ended'))
    call.window?.fail(unavailable('the call has ended'))
    this.o.onCallEnd()
    this.write(frame)
  }

  private reply(id: number, err: StrataError, method: string): void {
    this.write({ id, error: toWireError(err, method, this.o.log) })
  }

  /** Closes this connection because of a protocol violation, telling the peer why first. */
  private refuse(reason: string, code: WireError['code'] = 'INVALID_ARGUMENT'): void {
    this.o.log.warn('closing connection', { reason, pid: this.peer.pid, uid: this.peer.uid })
    this.closed = true
    sayWhyAndClose(this.socket, { code, message: reason })
    this.abortAll(unavailable(`connection closed: ${reason}`))
  }

  private write(frame: Frame): boolean {
    if (this.socket.destroyed || this.socket.writableEnded) return true
    return this.socket.write(encodeFrame(frame))
  }

  private onClose(): void {
    this.closed = true
    if (this.decoder.pending)
      this.o.log.debug('connection closed mid-frame', { pid: this.peer.pid, bytes: this.decoder.pending })
    this.abortAll(unavailable('the client went away'))
  }
}

/**
 * Sends a last `{id: 0, error}` frame and closes: the write side at once, the socket when the peer
 * closes or after 5 s. Reading on meanwhile matters: destroying at once could fail the peer's own
 * writes with EPIPE before it reads why, and a socket nobody reads never sees its EOF.
 */
export function sayWhyAndClose(socket: Socket, error: WireError): void {
  if (!socket.writableEnded) socket.end(encodeFrame({ id: 0, error }))
  socket.resume()
  setTimeout(() => socket.destroy(), 5000).unref()
}
