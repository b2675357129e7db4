/**
 * The RPC server: listens on the Unix socket (or takes systemd's), checks each peer, and runs a
 * Connection per client. `close` stops accepting, lets calls in flight finish within a bounded
 * wait, then cancels the rest and drops the connections.
 */
import { chmodSync, chownSync, mkdirSync, unlinkSync } from 'node:fs'
import { connect, createServer, type Server, type Socket } from 'node:net'
import { dirname } from 'node:path'
import { StrataError } from '../../client/protocol.js'
import { unavailable } from '../errors.js'
import type { Logger } from '../log.js'
import { Connection, sayWhyAndClose } from './connection.js'
import type { MethodTable } from './dispatch.js'
import { checkPeer, type PeerPolicy } from './peer-cred.js'

export type Listen = { path: string; mode: number; gid?: number } | { fd: number }

export interface RpcServerOptions {
  methods: MethodTable
  log: Logger
  policy: PeerPolicy
  maxFrameBytes: number
  daemonVersion: string
  maxCallsInFlight?: number
}

export class RpcServer {
  private readonly server: Server
  private readonly connections = new Set<Connection>()
  private inFlight = 0
  private idle: Array<() => void> = []

  constructor(private readonly o: RpcServerOptions) {
    this.server = createServer((socket) => this.accept(socket))
  }

  get connectionCount(): number {
    return this.connections.size
  }

  get callsInFlight(): number {
    return this.inFlight
  }

  async listen(where: Listen): Promise<void> {
    if ('fd' in where) return this.bind({ fd: where.fd })
    mkdirSync(dirname(where.path), { recursive: true, mode: 0o755 })
    await removeStaleSocket(where.path)
    await this.bind({ path: where.path })
    chmodSync(where.path, where.mode)
    if (where.gid !== undefined) chownSync(where.path, 0, where.gid)
  }

  /** Stops accepting, waits up to `timeoutMs` for calls in flight, then cancels the rest. */
  async close(timeoutMs: number): Promise<void> {
    const stopped = new Promise<void>((resolve) => this.server.close(() => resolve()))
    if (this.inFlight > 0) {
      this.o.log.info('waiting for calls in flight', { calls: this.inFlight, timeoutMs })
      const timer = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), timeoutMs).unref())
      const drained = await Promise.race([this.whenIdle().then(() => true), timer])
      if (!drained) {
        this.o.log.warn('cancelling calls still in flight', { calls: this.inFlight })
        for (const c of this.connections) c.abortAll(unavailable('stratad is shutting down'))
        await Promise.race([this.whenIdle(), new Promise((r) => setTimeout(r, 1000).unref())])
      }
    }
    for (const c of this.connections) c.destroy()
    await stopped
  }

  private bind(arg: { path: string } | { fd: number }): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen(arg, () => {
        this.server.off('error', reject)
        resolve()
      })
    })
  }

  private accept(socket: Socket): void {
    let peer
    try {
      peer = checkPeer(socket, this.o.policy)
    } catch (err) {
      if (!(err instanceof StrataError)) throw err
      this.o.log.warn('refused a peer', { reason: err.message })
      socket.on('error', (e) => this.o.log.debug('refused peer socket error', { err: e }))
      sayWhyAndClose(socket, { code: err.code, message: err.message })
      return
    }
    const conn = new Connection(socket, peer, {
      methods: this.o.methods,
      log: this.o.log,
      maxFrameBytes: this.o.maxFrameBytes,
      maxCallsInFlight: this.o.maxCallsInFlight ?? 1024,
      daemonVersion: this.o.daemonVersion,
      onCallStart: () => this.inFlight++,
      onCallEnd: () => this.callEnded(),
    })
    this.connections.add(conn)
    void conn.done.then(() => this.connections.delete(conn))
  }

  private callEnded(): void {
    this.inFlight--
    if (this.inFlight === 0) for (const wake of this.idle.splice(0)) wake()
  }

  private whenIdle(): Promise<void> {
    return this.inFlight === 0 ? Promise.resolve() : new Promise((resolve) => this.idle.push(resolve))
  }
}

export class SocketInUseError extends Error {
  override name = 'SocketInUseError'
}

/** A socket file nobody listens on is left over from a crash; one somebody listens on is not ours. */
async function removeStaleSocket(path: string): Promise<void> {
  const live = await new Promise<boolean>((resolve) => {
    const s = connect(path)
    s.once('connect', () => {
      s.destroy()
      resolve(true)
    })
    s.once('error', () => resolve(false))
  })
  if (live) throw new SocketInUseError(`another daemon is listening on ${path}`)
  try {
    unlinkSync(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
}
