/**
 * The typed client library: one connection to stratad, many calls in flight on it.
 *
 *   const client = await StrataClient.connect()          // STRATA_SOCKET or /run/strata/strata.sock
 *   const info = await client.call('system.info', {})    // typed params and result
 *   await client.call('x.save', p, { download: file })   // streams: upload, download, onEvent
 *   client.close()
 *
 * Every failure is a StrataError with a stable code (client/protocol.ts): the daemon's own
 * errors as it sent them, UNAVAILABLE when there is no daemon or the connection drops,
 * PERMISSION_DENIED when the socket or the daemon refuses us.
 */
import { connect as netConnect, type Socket } from 'node:net'
import type { Writable } from 'node:stream'
import {
  CreditWindow,
  encodeFrame,
  FrameDecoder,
  FrameError,
  isErrorCode,
  PROTOCOL_VERSION,
  StrataError,
  type Frame,
  type MethodName,
  type ParamsOf,
  type ProgressEvent,
  type ResultOf,
  type Welcome,
  type WireError,
} from './protocol.js'
import { sendChunks } from './send-chunks.js'

/** An error the daemon sent (as opposed to one met on the way to it). */
export class DaemonError extends StrataError {
  override name = 'DaemonError'
}

export const DEFAULT_SOCKET = '/run/strata/strata.sock'

/** The socket to use: an explicit `--host` (a path or unix://path), then STRATA_SOCKET, then the default. */
export function socketPath(host?: string, env: NodeJS.ProcessEnv = process.env): string {
  const chosen = host || env.STRATA_SOCKET || DEFAULT_SOCKET
  return chosen.startsWith('unix://') ? chosen.slice('unix://'.length) : chosen
}

export interface ConnectOptions {
  socket?: string
  /** Sent in the hello, shown in the daemon's logs. */
  clientName?: string
}

export interface CallOptions {
  signal?: AbortSignal
  /** Bytes to upload with the call (tar streams); sent with backpressure. */
  upload?: AsyncIterable<Uint8Array>
  /** Where the call's downloaded bytes go; the call resolves after the last one was written. */
  download?: Writable
  onEvent?(event: ProgressEvent): void
}

interface Pending {
  resolve(v: unknown): void
  reject(e: Error): void
  window: CreditWindow
  download?: Writable
  writes: Promise<void>
  onEvent?(event: ProgressEvent): void
}

export class StrataClient {
  private nextId = 1
  private readonly pending = new Map<number, Pending>()
  private readonly decoder = new FrameDecoder(Number.MAX_SAFE_INTEGER)
  private closedWith: StrataError | undefined
  welcome: Welcome | undefined

  private constructor(
    private readonly socket: Socket,
    readonly path: string,
  ) {}

  static async connect(opts: ConnectOptions = {}): Promise<StrataClient> {
    const path = socketPath(opts.socket)
    const socket = await openSocket(path)
    const client = new StrataClient(socket, path)
    client.listen()
    const hello = { version: PROTOCOL_VERSION, client: opts.clientName ?? 'strata-client' }
    try {
      client.welcome = (await client.send(0, 'hello', hello, {})) as Welcome
    } catch (err) {
      client.close()
      throw err
    }
    return client
  }

  call<M extends MethodName>(method: M, params: ParamsOf<M>, opts: CallOptions = {}): Promise<ResultOf<M>> {
    return this.callRaw(method, params, opts) as Promise<ResultOf<M>>
  }

  /** An untyped call, for methods outside the contract (tests, newer daemons). */
  callRaw(method: string, params: unknown, opts: CallOptions = {}): Promise<unknown> {
    return this.send(this.nextId++, method, params, opts)
  }

  close(): void {
    this.socket.destroy()
  }

  private send(id: number, method: string, params: unknown, opts: CallOptions): Promise<unknown> {
    if (this.closedWith) return Promise.reject(this.closedWith)
    if (opts.signal?.aborted) return Promise.reject(opts.signal.reason as Error)
    return new Promise((resolve, reject) => {
      const window = new CreditWindow()
      const onAbort = () => {
        this.write({ id, cancel: true })
        this.settle(id, undefined, opts.signal?.reason as Error)
      }
      opts.signal?.addEventListener('abort', onAbort, { once: true })
      const done = (fn: () => void) => {
        opts.signal?.removeEventListener('abort', onAbort)
        window.fail(new StrataError('UNAVAILABLE', `call ${method} has ended`))
        fn()
      }
      this.pending.set(id, {
        resolve: (v) => done(() => resolve(v)),
        reject: (e) => done(() => reject(e)),
        window,
        download: opts.download,
        writes: Promise.resolve(),
        onEvent: opts.onEvent,
      })
      this.write({ id, method, params })
      if (opts.upload) this.upload(id, opts.upload, window)
    })
  }

  private upload(id: number, source: AsyncIterable<Uint8Array>, window: CreditWindow): void {
    const run = async () => {
      const sink = {
        window,
        write: (chunk: Uint8Array) => this.write({ id, chunk }),
        drained: () => new Promise<void>((r) => this.socket.once('drain', () => r())),
      }
      for await (const data of source) await sendChunks(data, sink)
      this.write({ id, end: true })
    }
    run().catch((err: unknown) => {
      if (!this.pending.has(id)) return // the call already ended; the daemon stopped reading
      this.write({ id, cancel: true })
      this.settle(id, undefined, err instanceof Error ? err : new Error(String(err)))
    })
  }

  private listen(): void {
    this.socket.on('data', (data: Buffer) => {
      let frames: Frame[]
      try {
        frames = this.decoder.push(data)
      } catch (err) {
        if (!(err instanceof FrameError)) throw err
        return this.shutdown(new StrataError('INTERNAL', `bad frame from stratad: ${err.message}`))
      }
      for (const f of frames) this.onFrame(f)
    })
    this.socket.on('error', (err) =>
      this.shutdown(new StrataError('UNAVAILABLE', `connection to stratad failed: ${err.message}`)),
    )
    this.socket.on('close', () =>
      this.shutdown(new StrataError('UNAVAILABLE', `connection to stratad at ${this.path} closed`)),
    )
  }

  private onFrame(f: Frame): void {
    const p = this.pending.get(f.id)
    if ('error' in f && f.id === 0 && !p) return this.shutdown(fromWire(f.error)) // the daemon says why it closes
    if (!p) return // a late frame for a cancelled call
    if ('result' in f)
      p.writes.then(
        () => this.settle(f.id, f.result),
        () => undefined, // a failed write already settled the call (see receive)
      )
    else if ('error' in f) this.settle(f.id, undefined, fromWire(f.error))
    else if ('chunk' in f) this.receive(f.id, p, f.chunk)
    else if ('ack' in f) p.window.ack(Number(f.ack) || 0)
    else if ('event' in f) p.onEvent?.(f.event)
  }

  private receive(id: number, p: Pending, chunk: Uint8Array): void {
    const out = p.download
    if (!out)
      return this.settle(id, undefined, new StrataError('INTERNAL', 'stratad sent bytes for a call without a download'))
    p.writes = p.writes.then(
      () =>
        new Promise<void>((resolve, reject) =>
          out.write(chunk, (err) => {
            if (err) return reject(err)
            this.write({ id, ack: chunk.length })
            resolve()
          }),
        ),
    )
    p.writes.catch((err: Error) => {
      this.write({ id, cancel: true })
      this.settle(id, undefined, err)
    })
  }

  private settle(id: number, result: unknown, err?: Error): void {
    const p = this.pending.get(id)
    if (!p) return
    this.pending.delete(id)
    if (err) p.reject(err)
    else p.resolve(result)
  }

  private shutdown(err: StrataError): void {
    this.closedWith ??= err
    for (const id of [...this.pending.keys()]) this.settle(id, undefined, this.closedWith)
    this.socket.destroy()
  }

  private write(frame: Frame): boolean {
    if (this.socket.destroyed) return true
    return this.socket.write(encodeFrame(frame))
  }
}

function fromWire(e: WireError): StrataError {
  const code = isErrorCode(e?.code) ? e.code : 'INTERNAL'
  return new DaemonError(code, typeof e?.message === 'string' ? e.message : 'stratad sent an error without a message')
}

function openSocket(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = netConnect(path)
    socket.once('connect', () => {
      socket.removeAllListeners('error')
      resolve(socket)
    })
    socket.once('error', (err: NodeJS.ErrnoException) => reject(connectError(path, err)))
  })
}

function connectError(path: string, err: NodeJS.ErrnoException): StrataError {
  if (err.code === 'EACCES' || err.code === 'EPERM')
    return new StrataError('PERMISSION_DENIED', `permission denied on ${path}: run as root or join group strata`, {
      cause: err,
    })
  return new StrataError(
    'UNAVAILABLE',
    `cannot connect to stratad at ${path} (${err.code ?? err.message}): is the daemon running?`,
    { cause: err },
  )
}
