/**
 * A FUSE session: requests from the native reader threads, dispatched to the op handlers, replies
 * written to /dev/fuse. Handlers may finish in any order (slow copy-ups never hold up others).
 * Owns: INIT, the opcode table (anything unknown is ENOSYS), turning throws into errnos (a bug is
 *   EIO plus a log line, never a crash), malformed requests (EIO), and the end of the session.
 * Tests: test/unit/fuse/session.test.ts (codec, no kernel), test/integration/fuse-*.test.ts
 */
import { writeSync } from 'node:fs'
import {
  createBareNodes,
  createWriterNodes,
  pauseUpperNodes,
  pauseWriterNodes,
  READER_NOTE_CREATED,
  READER_NOTE_REMOVED,
  startFusePoll,
  startFuseReader,
} from '../../native-bindings/index.js'
import type { Overlay } from '../overlay/overlay.js'
import { createLogger, type Logger } from '../log.js'
import { Op, READ_BUFFER } from './abi.js'
import { copyUpBefore } from './copy-up-gate.js'
import { toErrno } from './errno.js'
import { Listings } from './dir-listing.js'
import { FileHandles } from './handles.js'
import { negotiate, type Negotiated } from './init.js'
import { Passthrough } from './passthrough.js'
import { Prefetch } from './prefetch.js'
import { StatFollow } from './stat-follow.js'
import { InodeTable } from './inodes.js'
import { OpStats } from './op-stats.js'
import { ReaderTimings } from './reader-timings.js'
import * as attr from './ops/attr.js'
import type { Context, Handler } from './ops/context.js'
import * as dir from './ops/dir.js'
import * as entry from './ops/entry.js'
import * as file from './ops/file.js'
import * as xattr from './ops/xattr.js'
import { errorReply, invalInodeNotify, withHeader, type Timeout } from './reply.js'
import { Body, decodeHeader, type Header } from './request.js'
import { UpperMirror } from './upper-mirror.js'

/**
 * Names and attributes change only through this mount, so the kernel keeps them for an hour. What
 * it cannot see, the session tells it (invalidate: copy-ups, dropped setid bits); passthrough and
 * daemon writes update or drop the cached size and times in the kernel itself.
 */
const DEFAULT_TIMEOUT: Timeout = { entry: 3600, attr: 3600 }

const ENOSYS = -38
const EIO = -5

/**
 * The ops answered. `noOpendir`: the kernel can do without OPENDIR and RELEASEDIR (Linux 5.1+), so
 * they are left out: its first OPENDIR gets ENOSYS and it sends neither again.
 */
function handlers(setxattrExt: boolean, noOpendir: boolean): Map<number, Handler> {
  const dirHandles: [number, Handler][] = noOpendir
    ? []
    : [
        [Op.OPENDIR, dir.opendir],
        [Op.RELEASEDIR, dir.releasedir],
      ]
  return new Map<number, Handler>([
    ...dirHandles,
    [Op.LOOKUP, entry.lookup],
    [Op.FORGET, entry.forget],
    [Op.BATCH_FORGET, entry.batchForget],
    [Op.GETATTR, attr.getattr],
    [Op.SETATTR, attr.setattr],
    [Op.READLINK, attr.readlink],
    [Op.SYMLINK, entry.symlink],
    [Op.MKNOD, entry.mknod],
    [Op.MKDIR, entry.mkdir],
    [Op.UNLINK, entry.unlink],
    [Op.RMDIR, entry.rmdir],
    [Op.RENAME, entry.rename],
    [Op.RENAME2, entry.rename2],
    [Op.LINK, entry.link],
    [Op.OPEN, file.open],
    [Op.CREATE, file.create],
    [Op.READ, file.readData],
    [Op.WRITE, file.writeData],
    [Op.FSYNC, file.fsyncFile],
    [Op.RELEASE, file.release],
    [Op.FALLOCATE, file.fallocateData],
    [Op.LSEEK, file.lseek],
    [Op.STATFS, attr.statfs],
    [Op.ACCESS, attr.access],
    [Op.READDIR, dir.readdir],
    [Op.READDIRPLUS, dir.readdirplus],
    [Op.FSYNCDIR, dir.fsyncdir],
    [Op.SETXATTR, xattr.setxattrHandler(setxattrExt)],
    [Op.GETXATTR, xattr.getxattr],
    [Op.LISTXATTR, xattr.listxattr],
    [Op.REMOVEXATTR, xattr.removexattr],
    [Op.INTERRUPT, () => null], // requests are short or cannot be undone: let them finish
    [Op.DESTROY, () => Buffer.alloc(0)],
  ])
}

export interface SessionOptions {
  timeout?: Timeout
  log?: Logger
  /** ask for passthrough (granted when the kernel offers it; needs CAP_SYS_ADMIN) */
  passthrough?: boolean
  /** µs the poll reader reads on for the next request before it sleeps (startFusePoll); 0 by default */
  spinUs?: number
}

/**
 * What a paused session holds: every request that opens or changes a name or its attributes.
 * Reads pass, and so do writes on handles already open (they must be able to finish and close).
 */
const HELD_WHILE_PAUSED = new Set<number>([
  Op.OPEN,
  Op.CREATE,
  Op.MKNOD,
  Op.MKDIR,
  Op.SYMLINK,
  Op.LINK,
  Op.UNLINK,
  Op.RMDIR,
  Op.RENAME,
  Op.RENAME2,
  Op.SETATTR,
  Op.SETXATTR,
  Op.REMOVEXATTR,
])

export class Session {
  private readonly ctx: Context
  private table: Map<number, Handler> | null = null
  private ended: (reason: string) => void = () => undefined
  readonly done: Promise<string>
  /** requests answered, by opcode, with their durations: what reached the daemon (op-stats.ts) */
  readonly stats = new OpStats()
  /** the requests the poll reader answered itself, by opcode, with their durations (reader-timings.ts) */
  readonly readerStats = new ReaderTimings()
  negotiated: Negotiated | null = null
  /** nodes whose attributes changed behind the kernel's back (copy-ups, dropped setid; see invalidate) */
  private staleAttrs = new Set<number>()
  /** requests whose handler awaits (the poll reader does not spin while one waits for the loop) */
  private readonly awaiting = new Int32Array(1)
  /** Requests held while paused (`pause`), answered in order by `resume`. */
  private held: Buffer[] | null = null
  /** the session has ended: nothing more is written to the device */
  private over = false
  /** what a request waiting for every copy-up waits for (copy-up-gate.ts): OPENs wait behind it */
  private draining: Promise<unknown> | null = null

  constructor(
    private readonly fd: number,
    ov: Overlay,
    private readonly opts: SessionOptions = {},
  ) {
    const log = opts.log ?? createLogger('debug', 'strata-overlay')
    const timeout = opts.timeout ?? DEFAULT_TIMEOUT
    const upper = new UpperMirror(
      timeout,
      (path) => ov.changeHeard(path),
      (path) => this.ctx.inodes.at(path),
    )
    this.ctx = {
      ov,
      inodes: new InodeTable(ov.lookup('').stat, (node) => upper.drop(node)),
      files: new FileHandles(),
      listings: new Listings(),
      timeout,
      log,
      passthrough: null,
      attrsChanged: (inode) => this.staleAttrs.add(inode.nodeid),
      bare: createBareNodes(),
      writers: createWriterNodes(timeout.attr),
      upper,
      prefetch: new Prefetch(ov, log),
      statFollow: new StatFollow(),
    }
    ov.onCopyUp((path, st) => {
      const node = this.ctx.inodes.rebind(path, st)
      if (node) this.staleAttrs.add(node.nodeid)
      this.invalidate() // an install after its open was answered (copy-up-gate.ts) is in no request
    })
    ov.onLateCopyUpError((path, err) => {
      log.error('a copy-up handed out before its install failed', { path, err: String((err as Error)?.stack ?? err) })
      const node = this.ctx.inodes.at(path) // the kernel had the copy's attributes: the lower file shows again
      if (node) this.staleAttrs.add(node.nodeid)
      this.invalidate()
    })
    this.done = new Promise((resolve) => (this.ended = resolve))
  }

  /**
   * Starts reading requests; call after mount(2). `done` resolves with why the session ended.
   * 'poll' (the default) reads /dev/fuse on this thread's event loop, one wakeup per request;
   * 'threads' uses native reader threads that hand batches over (a second wakeup per request).
   */
  start(reader: 'poll' | 'threads' = 'poll'): void {
    const onBatch = (batch: Buffer[], end: string | null) => {
      for (const req of batch) {
        if (this.held && HELD_WHILE_PAUSED.has(req.length >= 8 ? req.readUInt32LE(4) : -1)) this.held.push(req)
        else void this.handle(req)
      }
      if (end === null) return
      this.over = true
      this.ended(end)
    }
    const { bare, writers, upper } = this.ctx
    if (reader === 'poll')
      startFusePoll(this.fd, READ_BUFFER, onBatch, {
        bare,
        writers,
        upper: upper.table,
        timings: this.readerStats.cells,
        spinUs: this.opts.spinUs,
        busy: this.awaiting,
      })
    else startFuseReader(this.fd, 2, READ_BUFFER, onBatch)
  }

  /** the backing caches warmed ahead of requests (prefetch.ts), by kind */
  get prefetchCounts(): Prefetch['counts'] {
    return this.ctx.prefetch.counts
  }

  /** READDIRPLUS windows after a directory's first, by form (stat-follow.ts) */
  get listingWindows(): StatFollow['windows'] {
    return this.ctx.statFollow.windows
  }

  /** nodes the kernel holds (the root included): what is left once it forgot what it could */
  get nodesKnown(): number {
    return this.ctx.inodes.size
  }

  /**
   * Holds every request that would open or change something (HELD_WHILE_PAUSED), as `docker
   * commit` pauses a container, so the upper layer stops changing; resolves once no file is open
   * for writing (writes on open handles, through the daemon or passthrough, go on until they
   * close), or after `waitMs` with the count still open.
   */
  async pause(waitMs: number): Promise<{ writersOpen: number }> {
    this.held ??= []
    pauseWriterNodes(this.ctx.writers, true) // the reader's SETATTR answers stop too: JS holds them
    pauseUpperNodes(this.ctx.upper.table, true)
    await this.ctx.ov.copyUpsSettled() // copies handed out early are in upper/ before anyone reads it
    const writers = () => [...this.ctx.files.values()].filter((h) => h.writable).length
    for (const deadline = Date.now() + waitMs; writers() > 0 && Date.now() < deadline;)
      await new Promise((r) => setTimeout(r, 10))
    return { writersOpen: writers() }
  }

  resume(): void {
    const held = this.held ?? []
    this.held = null
    pauseWriterNodes(this.ctx.writers, false)
    pauseUpperNodes(this.ctx.upper.table, false)
    for (const req of held) void this.handle(req)
  }

  /**
   * Answers one request (exported for tests without a kernel: returns the reply it wrote). A
   * synchronous handler is answered in the same tick, without a trip through the microtask queue.
   */
  handle(req: Buffer): Buffer | null | Promise<Buffer | null> {
    let header: Header
    try {
      header = decodeHeader(req)
    } catch (err) {
      this.ctx.log.error('dropped a request with a broken header', { err: String(err), bytes: req.length })
      return req.length >= 16 ? this.send(errorReply(req.readBigUInt64LE(8), EIO)) : null
    }
    if (header.opcode === READER_NOTE_REMOVED) return this.readerNote(entry.readerRemoved, header, req, 'removal')
    if (header.opcode === READER_NOTE_CREATED) return this.readerNote(file.readerCreated, header, req, 'creation')
    const before = copyUpBefore(this.ctx, header, req, this.draining)
    if (before?.all) {
      const drained = before.wait
      this.draining = drained
      void drained.finally(() => this.draining === drained && (this.draining = null))
    }
    if (before) return this.after(before.wait, header.opcode, req)
    const started = performance.now()
    const reply = this.answer(header, new Body(req))
    const finish = (r: Buffer | null) => {
      this.invalidate()
      const sent = this.send(r)
      this.stats.record(header.opcode, (performance.now() - started) * 1000)
      return sent
    }
    if (!(reply instanceof Promise)) return finish(reply)
    this.awaiting[0] = (this.awaiting[0] as number) + 1
    return reply.then(finish).finally(() => (this.awaiting[0] = (this.awaiting[0] as number) - 1))
  }

  /**
   * Answers `req` once `before` (a copy-up it must not overtake) has settled; held instead if the
   * session was paused meanwhile and it is a request a pause holds.
   */
  private after(before: Promise<unknown>, opcode: number, req: Buffer): Promise<Buffer | null> {
    this.awaiting[0] = (this.awaiting[0] as number) + 1
    const again = () => {
      this.awaiting[0] = (this.awaiting[0] as number) - 1
      if (!this.held || !HELD_WHILE_PAUSED.has(opcode)) return this.handle(req)
      this.held.push(req)
      return null
    }
    return before.then(again, again)
  }

  /**
   * The reader's note of a name it removed or a file it made (ops/entry.ts readerRemoved, ops/file.ts
   * readerCreated): no reply, never thrown out of a batch.
   */
  private readerNote(handler: Handler, header: Header, req: Buffer, what: string): null {
    try {
      handler(this.ctx, header, new Body(req))
    } catch (err) {
      this.ctx.log.error(`the reader's note of a ${what} failed`, { err: String((err as Error)?.stack ?? err) })
    }
    return null
  }

  /**
   * Drops the kernel's cached attributes of the known nodes that changed behind its back: a copy-up
   * moved them to a new backing (ancestors of a changed entry, a subtree a rename materialized), or
   * an open or write dropped their setid bits (HANDLE_KILLPRIV_V2), before the
   * replies go out, so no caller reads a stale nlink or ctime in between. Everything else the
   * kernel invalidates itself: a directory's attributes after an entry is made or removed in it,
   * a node's after SETATTR (the reply carries them), after unlink and rename. Attribute-only
   * invalidation (offset -1) takes no inode lock in the kernel, so it cannot deadlock against the
   * request in flight; entry invalidation could (fuse-notes.md) and is not sent from here.
   */
  private invalidate(): void {
    if (!this.staleAttrs.size || this.fd < 0 || this.over) return
    const nodes = this.staleAttrs
    this.staleAttrs = new Set()
    for (const n of nodes) this.send(invalInodeNotify(n))
  }

  /** The reply to a request, or null for none; a promise only when the handler awaits. */
  private answer(h: Header, body: Body): Buffer | null | Promise<Buffer | null> {
    const failed = (err: unknown) => errorReply(h.unique, toErrno(err, `opcode ${h.opcode}`, this.ctx.log))
    const wrap = (out: Buffer | null) => (out === null ? null : withHeader(h.unique, out))
    try {
      if (h.opcode === Op.INIT) return this.init(h, body)
      const handler = this.table?.get(h.opcode)
      if (!handler) return errorReply(h.unique, ENOSYS)
      const out = handler(this.ctx, h, body)
      return out instanceof Promise ? out.then(wrap, failed) : wrap(out)
    } catch (err) {
      return failed(err)
    }
  }

  private init(h: Header, body: Body): Buffer {
    const { reply, result } = negotiate(body, (this.opts.passthrough ?? false) && this.fd >= 0)
    this.table = handlers(result.setxattrExt, result.noOpendir)
    this.ctx.passthrough = result.passthrough ? new Passthrough(this.fd) : null
    const ids = this.ctx.ov.makerIds()
    if (result.passthrough && ids) this.ctx.upper.enableCreate(this.fd, ids, (n) => this.ctx.inodes.reserve(n))
    this.negotiated = result
    return withHeader(h.unique, reply)
  }

  private send(reply: Buffer | null): Buffer | null {
    if (reply === null || this.fd < 0) return reply
    try {
      writeSync(this.fd, reply)
    } catch (err) {
      // ENOENT: the request was interrupted and is gone; anything else ends with the session.
      if ((err as { code?: string }).code !== 'ENOENT') this.ctx.log.error('reply not delivered', { err: String(err) })
    }
    return reply
  }
}
