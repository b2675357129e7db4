/**
 * Mount supervision: one strata-overlay worker per mount, recorded before it starts, watched
 * while it runs, restarted when it dies, and found again after the daemon restarts.
 * Owns: the mount record's shape and states (starting -> serving -> removing; failed when a
 *   start did not work), the mount source `strata:<id>@<root>` that ties a kernel mount to a
 *   record, where a mount may go (mount-request.ts), recovery (adopt live workers and resume
 *   any left paused, remount dead ones, unmount mounts nobody owns), pauses (pause-worker.ts).
 * A create that fails leaves nothing: no record, no state directory, no target directory it
 *   made, no kernel mount (a worker that mounted and then died or hung before it reported).
 * Never: touches a layer's contents; stops workers when the daemon stops (they keep serving).
 * Concurrency: a KeyedQueue per mount id serialises create, remove and restarts of one mount;
 *   one per target serialises the creates that aim at one directory.
 * Tests: test/integration/daemon-mounts.test.ts, test/integration/mount-targets.test.ts,
 *   test/integration/paused-commit.test.ts
 */
import { randomBytes } from 'node:crypto'
import { mkdirSync, rmdirSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { MountCreateParams, MountInfo, MountSpec } from '../../client/protocol.js'
import { constants, umount2 } from '../../native-bindings/index.js'
import { conflict, inUse, internal, invalidArgument, notFound, unavailable } from '../errors.js'
import { KeyedQueue } from '../keyed-queue.js'
import type { Logger } from '../log.js'
import { isAlive, startTimeOf } from '../process-start.js'
import { readMountinfo, type MountEntry } from './mountinfo.js'
import { checkRequest } from './mount-request.js'
import { hasPauseAck, pauseWorker, resumeIfPaused, type Paused } from './pause-worker.js'
import { startWorker, WorkerStartError } from './worker-process.js'

export interface MountRecord extends MountInfo {
  /** The worker's start time (/proc/PID/stat field 22): a pid alone can be reused. */
  pidStart: number | null
}

export interface MountStore {
  get(id: string): Promise<MountRecord | undefined>
  put(r: MountRecord): Promise<void>
  delete(id: string): Promise<void>
  list(): Promise<MountRecord[]>
}

export interface CreateOptions {
  /** Make the target directory if it is missing (and remove what was made if the mount fails). */
  makeTarget?: boolean
  /** The daemon chose the target under its data root (a container's merged/, an image view). */
  ownPlace?: boolean
}

/** What a caller of `whilePaused` holds. */
export interface PauseHold {
  writersOpen: number
  /** False once the worker let go by itself (its lease ran out): what was read may have changed. */
  isHeld(): boolean
  /** Aborted when a forced unmount takes the mount away meanwhile. */
  signal: AbortSignal
}

/** Restarts allowed per minute before a mount whose worker keeps dying is marked failed. */
const MAX_RESTARTS_PER_MINUTE = 5
const WATCH_INTERVAL_MS = 1000

export class MountSupervisor {
  private readonly queue = new KeyedQueue<string>()
  private readonly targets = new KeyedQueue<string>()
  private readonly restartTimes = new Map<string, number[]>()
  /** Pauses this daemon holds, by mount id, from before SIGUSR1 until the worker has resumed. */
  private readonly holds = new Map<string, { abort: AbortController; paused?: Paused }>()
  private watcher: NodeJS.Timeout | undefined

  /** `protect`: other paths of the daemon's that no mount may cover (its socket). */
  constructor(
    private readonly store: MountStore,
    private readonly root: string,
    private readonly log: Logger,
    private readonly protect: string[] = [],
  ) {}

  /** Every mount; `paused` set while its worker holds requests (a commit, or a pause nobody holds yet let go). */
  async list(): Promise<MountInfo[]> {
    return (await this.store.list()).map((r) => {
      const paused = this.holds.has(r.id) || (r.spec.workdir !== undefined && hasPauseAck(r.spec.workdir))
      return paused ? { ...toInfo(r), paused } : toInfo(r)
    })
  }

  async create(p: MountCreateParams, opts: CreateOptions = {}): Promise<MountInfo> {
    const { target, spec } = checkRequest(p, {
      makeTarget: opts.makeTarget === true,
      ownPlace: opts.ownPlace === true,
      root: this.root,
      protect: this.protect,
    })
    return this.targets.run(target, () => this.createAt(target, spec, p.volatile === true, opts.makeTarget === true))
  }

  /** Under the target's queue: two creates on one target cannot both pass the checks. */
  private async createAt(target: string, spec: MountSpec, volatile: boolean, makeTarget: boolean): Promise<MountInfo> {
    const taken = (await this.store.list()).find((r) => r.target === target)
    if (taken) throw conflict(`${target} is already mount ${taken.id.slice(0, 12)}`)
    if (readMountinfo().some((m) => m.target === target)) throw conflict(`${target} is already a mountpoint`)
    const id = randomBytes(32).toString('hex')
    return this.queue.run(id, async () => {
      const record: MountRecord = {
        ...{ id, target, spec, volatile, state: 'starting', pid: null, pidStart: null },
        ...{ createdAt: new Date().toISOString(), restarts: 0 },
      }
      const made = makeTarget ? makeDirs(target) : []
      try {
        mkdirSync(this.stateDir(id), { recursive: true, mode: 0o700 })
        await this.store.put(record)
        try {
          await this.start(record)
        } catch (err) {
          this.detachDead(record)
          await this.store.delete(id)
          throw err
        }
      } catch (err) {
        rmSync(this.stateDir(id), { recursive: true, force: true })
        this.removeMade(made)
        throw err
      }
      return toInfo(record)
    })
  }

  /** Unmounts and forgets a mount, found by id, unique id prefix or target. IN_USE when busy, unless forced. */
  async remove(ref: string, force: boolean): Promise<string> {
    const r = await this.find(ref)
    if (force) await this.letGo(r.id) // not after the pause: the queue waits for its holder
    return this.queue.run(r.id, async () => {
      const current = await this.store.get(r.id)
      if (!current) throw notFound(`no mount ${ref}`)
      if (force && current.spec.workdir && current.pid !== null && current.pidStart !== null)
        await resumeIfPaused({ pid: current.pid, pidStart: current.pidStart }, current.spec.workdir)
      await this.store.put({ ...current, state: 'removing' })
      try {
        unmount(current.target, force)
      } catch (err) {
        await this.store.put(current)
        if ((err as NodeJS.ErrnoException).code === 'EBUSY')
          throw inUse(`${current.target} is busy: close what uses it, or force a lazy unmount`)
        throw err
      }
      await this.finishRemoval(current)
      return current.id
    })
  }

  /**
   * Runs `fn` while a serving mount's worker holds its requests (pause-worker.ts), and resumes it
   * afterwards, whatever `fn` did. Under the mount's queue: one pause at a time, and no remove
   * or restart in between; a forced remove lets go of the pause at once and aborts `signal`.
   */
  async whilePaused<T>(id: string, fn: (p: PauseHold) => Promise<T>, opts: { writers?: boolean } = {}): Promise<T> {
    return this.queue.run(id, async () => {
      const r = await this.store.get(id)
      if (!r || r.state !== 'serving' || !r.spec.workdir || !isAlive(r.pid, r.pidStart))
        throw unavailable(`mount ${id.slice(0, 12)} is not serving`)
      const hold: { abort: AbortController; paused?: Paused } = { abort: new AbortController() }
      this.holds.set(id, hold)
      try {
        const { signal } = hold.abort
        const paused = (hold.paused = await pauseWorker(
          { pid: r.pid as number, pidStart: r.pidStart as number },
          r.spec.workdir,
          signal,
          opts.writers ?? true,
        ))
        try {
          return await fn({ writersOpen: paused.writersOpen, isHeld: paused.isHeld, signal })
        } finally {
          await paused.resume()
        }
      } finally {
        this.holds.delete(id)
      }
    })
  }

  /** Ends a pause this daemon holds on the mount, now: its holder sees the signal aborted. */
  private async letGo(id: string): Promise<void> {
    const hold = this.holds.get(id)
    if (!hold) return
    hold.abort.abort(unavailable(`mount ${id.slice(0, 12)} was unmounted by force`))
    await hold.paused?.resume()
  }

  /** Called once at daemon start: make every record true again and drop mounts nobody owns. */
  async recover(): Promise<void> {
    const records = await this.store.list()
    const table = readMountinfo()
    for (const r of records) await this.queue.run(r.id, () => this.recoverOne(r, table))
    const known = new Set(records.map((r) => r.id))
    for (const m of table) {
      const id = this.ownedId(m)
      if (id === undefined || known.has(id)) continue
      this.log.warn('unmounting a mount nobody owns', { target: m.target, id })
      unmount(m.target, true)
    }
    this.watch()
  }

  /** Stops watching; the workers keep serving. */
  stop(): void {
    clearInterval(this.watcher)
  }

  private async recoverOne(r: MountRecord, table: MountEntry[]): Promise<void> {
    const mounted = table.some((m) => m.target === r.target && this.ownedId(m) === r.id)
    if (r.state === 'removing') {
      if (mounted) unmount(r.target, true)
      return this.finishRemoval(r)
    }
    if (r.state === 'failed') return
    if (mounted && isAlive(r.pid, r.pidStart)) {
      this.log.info('adopted mount', { id: r.id, target: r.target, pid: r.pid })
      // A daemon killed during a commit leaves the worker paused (it would let go by itself soon).
      const worker = { pid: r.pid as number, pidStart: r.pidStart as number }
      if (r.spec.workdir && (await resumeIfPaused(worker, r.spec.workdir)))
        this.log.warn('resumed a mount left paused by a daemon that is gone', { id: r.id, target: r.target })
      if (r.state !== 'serving') await this.store.put({ ...r, state: 'serving' })
      return
    }
    await this.restart(r, mounted ? 'the mount is stale (its worker is gone)' : 'the mount is gone')
  }

  private async restart(r: MountRecord, why: string): Promise<void> {
    this.log.warn('restarting mount worker', { id: r.id, target: r.target, why })
    if (isAlive(r.pid, r.pidStart)) process.kill(r.pid as number, 'SIGKILL')
    if (readMountinfo().some((m) => m.target === r.target && this.ownedId(m) === r.id)) unmount(r.target, true)
    const recent = (this.restartTimes.get(r.id) ?? []).filter((t) => Date.now() - t < 60_000)
    this.restartTimes.set(r.id, [...recent, Date.now()])
    const next: MountRecord = { ...r, restarts: r.restarts + 1, pid: null, pidStart: null }
    if (recent.length >= MAX_RESTARTS_PER_MINUTE) {
      return this.store.put({ ...next, state: 'failed', error: `worker died ${recent.length + 1} times in a minute` })
    }
    try {
      await this.start(next)
    } catch (err) {
      this.detachDead(next)
      this.log.error('cannot restart mount', { id: r.id, target: r.target, err })
      await this.store.put({ ...next, state: 'failed', error: (err as Error).message })
    }
  }

  private async start(r: MountRecord): Promise<void> {
    const options = workerOptions(r, `strata:${r.id}@${this.root}`)
    let handle
    try {
      handle = await startWorker({ options, target: r.target, logFile: join(this.stateDir(r.id), 'worker.log') })
    } catch (err) {
      if (err instanceof WorkerStartError) throw internal(`cannot mount ${r.target}: ${err.message}`, { cause: err })
      throw err
    }
    Object.assign(r, { state: 'serving', pid: handle.pid, pidStart: handle.pidStart, error: undefined })
    await this.store.put(r)
    this.log.info('mounted', { id: r.id, target: r.target, pid: handle.pid })
    void handle.exited.then(() => this.onWorkerExit(r.id, handle.pid))
  }

  private onWorkerExit(id: string, pid: number): void {
    this.queue
      .run(id, async () => {
        const r = await this.store.get(id)
        if (r?.state === 'serving' && r.pid === pid) await this.restart(r, 'its worker exited')
      })
      .catch((err: unknown) => this.log.error('mount supervision failed', { id, err }))
  }

  /** Workers this daemon did not start (adopted ones) are polled; its own children also report exit. */
  private watch(): void {
    this.watcher = setInterval(() => {
      this.store
        .list()
        .then((records) => {
          for (const r of records) {
            if (r.state === 'serving' && r.pid !== null && startTimeOf(r.pid) !== r.pidStart)
              this.onWorkerExit(r.id, r.pid)
          }
        })
        .catch((err: unknown) => this.log.error('mount watch failed', { err }))
    }, WATCH_INTERVAL_MS).unref()
  }

  private async finishRemoval(r: MountRecord): Promise<void> {
    if (isAlive(r.pid, r.pidStart)) await waitForExit(r.pid as number, r.pidStart as number)
    await this.store.delete(r.id)
    rmSync(this.stateDir(r.id), { recursive: true, force: true })
    this.log.info('unmounted', { id: r.id, target: r.target })
  }

  /** Detaches what a worker that never reported left mounted at the target (its connection is dead). */
  private detachDead(r: MountRecord): void {
    const owned = () => readMountinfo().some((m) => m.target === r.target && this.ownedId(m) === r.id)
    for (let i = 0; i < 8 && owned(); i++) {
      this.log.warn('detaching the mount of a worker that did not come up', { id: r.id, target: r.target })
      unmount(r.target, true)
    }
  }

  /** Removes the directories `makeDirs` made (deepest first), as they were before a failed create. */
  private removeMade(made: string[]): void {
    for (const dir of made) {
      try {
        rmdirSync(dir)
      } catch (err) {
        this.log.warn('cannot remove a mount target made for a mount that failed', { dir, err })
        return
      }
    }
  }

  /** The ID of the mount `ref` names (an ID, a unique ID prefix or its target); NOT_FOUND otherwise. */
  async idOf(ref: string): Promise<string> {
    return (await this.find(ref)).id
  }

  private async find(ref: string): Promise<MountRecord> {
    const all = await this.store.list()
    const exact = all.find((r) => r.id === ref || r.target === ref)
    if (exact) return exact
    const byPrefix = ref.length >= 1 && /^[0-9a-f]+$/.test(ref) ? all.filter((r) => r.id.startsWith(ref)) : []
    if (byPrefix.length === 1) return byPrefix[0] as MountRecord
    if (byPrefix.length > 1) throw invalidArgument(`mount id prefix ${ref} is ambiguous`)
    throw notFound(`no mount ${ref}`)
  }

  private ownedId(m: MountEntry): string | undefined {
    const match = /^strata:([0-9a-f]{64})@(.*)$/.exec(m.source)
    return match && match[2] === this.root && m.fstype.startsWith('fuse') ? match[1] : undefined
  }

  private stateDir(id: string): string {
    return join(this.root, 'mounts', id)
  }
}

const toInfo = ({ pidStart: _pidStart, ...info }: MountRecord): MountInfo => info

/** The directory and the parents `mkdir -p` made for it, deepest first (none when it existed). */
function makeDirs(target: string): string[] {
  const first = mkdirSync(target, { recursive: true, mode: 0o755 })
  if (first === undefined) return []
  const made = [target]
  for (let d = target; d !== first;) made.push((d = dirname(d)))
  return made
}

function workerOptions(r: MountRecord, fsname: string): string {
  const o = [`lowerdir=${r.spec.lowerdirs.join(':')}`]
  if (r.spec.upperdir) o.push(`upperdir=${r.spec.upperdir}`, `workdir=${r.spec.workdir}`)
  if (r.spec.journal) o.push(`journal=${r.spec.journal}`)
  if (r.volatile) o.push('volatile')
  o.push(`fsname=${fsname}`)
  return o.join(',')
}

/** umount2; a target that is not mounted (EINVAL) or gone (ENOENT) counts as unmounted. */
function unmount(target: string, lazy: boolean): void {
  try {
    umount2(target, lazy ? constants.MNT_DETACH : 0)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code !== 'EINVAL' && code !== 'ENOENT') throw err
  }
}

/** A worker ends by itself once its mount is gone (ENODEV); after 5 s it is killed. */
async function waitForExit(pid: number, pidStart: number): Promise<void> {
  for (let i = 0; i < 50 && startTimeOf(pid) === pidStart; i++) await new Promise((r) => setTimeout(r, 100))
  if (startTimeOf(pid) === pidStart) process.kill(pid, 'SIGKILL')
}
