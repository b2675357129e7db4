/**
 * Containers' processes: start one (mount the root filesystem with its init layer, write /etc's
 * hostname, hosts and resolv.conf and the OCI bundle, open its stdin FIFO for -i or -t, start its
 * monitor), signal it, wait for it, and reap it: when the monitor has recorded the exit status (or
 * is gone), record it, release the mount `start` took, and remove the container when it was run
 * with --rm. Running means the record names a monitor; the exit status says how it ended.
 *
 *   const c = await metadata.add((lock) => runs.start(lock, record, { cmd: ['true'] }))
 *   await runs.kill(c, 'SIGTERM')
 *   const { exitCode } = await runs.waitExit(c.id)       // after the record says so
 *
 * Processes outlive the daemon (monitor.ts); `recover` watches those a previous daemon started.
 * Concurrency: `start` takes the caller's metadata lock; the reaper takes the metadata queue
 * itself (it runs when a process ends, not in a call: the one writer outside api/, as the mount
 * supervisor is for mounts). Signals and waits take no lock.
 * Errors: CONFLICT (not running, for kill), INVALID_ARGUMENT (process-config.ts, a console size),
 *   UNAVAILABLE (the runtime failed).
 * Tests: test/integration/container-run.test.ts, test/integration/container-restart.test.ts,
 *   test/integration/container-interactive.test.ts
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { ContainerRunOptions, TerminalSize } from '../../client/protocol.js'
import { conflict, unavailable } from '../errors.js'
import type { Logger } from '../log.js'
import { isAlive } from '../process-start.js'
import type { ContainerProcess, ContainerRecord, ContainerStore } from '../store/containers.js'
import { parseConfig } from '../store/image-config.js'
import type { ImageStore } from '../store/images.js'
import type { MetadataLock, MetadataQueue } from '../store/metadata-queue.js'
import type { Containers } from './containers.js'
import { writeEtcFiles } from './etc-files.js'
import { readExit, startMonitor, type StdinMode } from './monitor.js'
import { ociSpec } from './oci-spec.js'
import { containerPaths } from './paths.js'
import { removeExecLeftovers } from './exec-process.js'
import { processConfig } from './process-config.js'
import { Runtime, RuntimeError, startFailure } from './runtime.js'
import { openStdinFifo, type StdinSink } from './stdin-pipe.js'
import { terminalSize } from './terminal.js'

export interface ExitInfo {
  exitCode: number
  error?: string
}

const POLL_MS = 250

export interface StartIo {
  /** Takes the writer of the process's stdin (which it must close); asked only with openStdin. */
  stdin?: (sink: StdinSink) => void
  consoleSize?: TerminalSize
}

/**
 * Fed by a client: the FIFO, whose EOF is the process's; with -t, held by the monitor whether
 * fed or not (script would turn the EOF into ^D; the terminal's own ^D ends input); -i alone
 * with nobody feeding it: held, so that it stays open as Docker's `-di` keeps it.
 */
function stdinMode(p: ContainerProcess, fed: boolean): StdinMode {
  if (p.tty) return 'held'
  if (p.openStdin) return fed ? 'fifo' : 'held'
  return 'none'
}

export const isRunning = (c: ContainerRecord): boolean => !!c.process?.monitor

export interface RunParts {
  root: string
  containers: Containers
  records: ContainerStore
  images: ImageStore
  metadata: MetadataQueue
  log: Logger
}

export class Runs {
  readonly runtime: Runtime
  private readonly watched = new Map<string, { waiters: Array<(e: ExitInfo) => void>; reaping: boolean }>()
  private timer: NodeJS.Timeout | undefined

  constructor(private readonly parts: RunParts) {
    this.runtime = new Runtime(parts.root)
    mkdirSync(this.runtime.stateDir, { recursive: true, mode: 0o700 })
  }

  /** Watches the processes a previous daemon started (they kept running meanwhile). */
  async recover(): Promise<void> {
    for (const c of await this.parts.records.list()) if (isRunning(c)) this.watch(c.id)
  }

  /** Stops watching (the processes go on; the next daemon watches them). */
  stop(): void {
    clearInterval(this.timer)
    this.timer = undefined
  }

  /**
   * Starts the container's process: with `o`, as `run` asks (and kept for later starts); without,
   * as its last run, or as `create` was asked, or as its image says. A running container is returned as it is.
   * `io.stdin` is given the writer of its stdin before it starts, when it keeps stdin open and a
   * client is attached to feed it (else a -i process's stdin is held open by its monitor).
   */
  async start(
    lock: MetadataLock,
    c: ContainerRecord,
    o?: ContainerRunOptions,
    io: StartIo = {},
  ): Promise<ContainerRecord> {
    if (isRunning(c)) return c
    const size = terminalSize(io.consoleSize) // INVALID_ARGUMENT before anything is mounted
    await this.parts.containers.prepareInit(c)
    const rootfs = await this.parts.containers.mount(lock, c)
    c = await this.parts.containers.resolve(c.id)
    try {
      const paths = containerPaths(this.parts.records.dirOf(c.id))
      const proc: ContainerProcess =
        o || !c.process
          ? processConfig(c.id, rootfs, await this.imageConfig(c), o ?? c.runOptions ?? {})
          : { ...c.process }
      const etc = writeEtcFiles(paths, proc.hostname, proc.network)
      mkdirSync(paths.bundle, { recursive: true, mode: 0o700 })
      removeExecLeftovers(paths.bundle)
      writeFileSync(
        join(paths.bundle, 'config.json'),
        JSON.stringify(ociSpec(c.id, rootfs, proc, etc, { consoleSize: size }), null, 2),
        {
          mode: 0o600,
        },
      )
      const fed = proc.openStdin === true && !!io.stdin
      const fifo = proc.openStdin || proc.tty ? openStdinFifo(paths.stdin) : undefined
      let m
      try {
        m = startMonitor(this.runtime, c.id, paths, {
          stdin: stdinMode(proc, fed),
          ...(fifo ? { stdinFd: fifo.readFd } : {}),
          ...(proc.tty ? { terminal: size } : {}),
        })
      } catch (err) {
        fifo?.close()
        throw err
      }
      const sink = fifo?.started(fed)
      if (sink) io.stdin?.(sink)
      const next: ContainerProcess = {
        ...proc,
        startedAt: new Date().toISOString(),
        finishedAt: null,
        exitCode: null,
        error: undefined,
        monitor: { pid: m.pid, pidStart: m.pidStart },
      }
      c = await this.parts.records.setProcess(lock, c, next)
      this.watch(c.id)
      void m.exited.then(() => this.check(c.id))
      return c
    } catch (err) {
      await this.parts.containers.unmount(lock, c, false)
      throw err
    }
  }

  /** Sends a signal; CONFLICT when it does not run. */
  async kill(c: ContainerRecord, signal: string): Promise<void> {
    if (!isRunning(c)) throw conflict(`Container ${c.id.slice(0, 12)} is not running`)
    try {
      await this.runtime.kill(c.id, signal)
    } catch (err) {
      if (err instanceof RuntimeError) throw unavailable(`cannot signal container ${c.name}: ${err.message}`)
      throw err
    }
  }

  /** `docker stop`: its stop signal, then SIGKILL after `timeoutS` seconds; resolves once reaped. */
  async stopProcess(c: ContainerRecord, timeoutS: number): Promise<void> {
    if (!isRunning(c)) return
    const exited = this.waitExit(c.id)
    try {
      await this.runtime.kill(c.id, c.process?.stopSignal ?? 'SIGTERM')
      const timedOut = await Promise.race([
        exited.then(() => false),
        new Promise<boolean>((r) => setTimeout(() => r(true), timeoutS * 1000).unref()),
      ])
      if (timedOut) await this.runtime.kill(c.id, 'SIGKILL')
    } catch (err) {
      if (err instanceof RuntimeError) throw unavailable(`cannot stop container ${c.name}: ${err.message}`)
      throw err
    }
    await exited
  }

  /**
   * Runs `fn` with the container's processes frozen (`runc pause`, the freezer cgroup), as `docker
   * commit` pauses; a container that does not run, or a runtime that cannot freeze it, runs `fn`
   * as it is (the commit's filesystem pause still holds its writes), with a warning for the latter.
   */
  async whileFrozen<T>(c: ContainerRecord, fn: () => Promise<T>): Promise<T> {
    if (!isRunning(c)) return fn()
    try {
      await this.runtime.pause(c.id)
    } catch (err) {
      if (!(err instanceof RuntimeError)) throw err
      this.parts.log.warn('cannot freeze the container for a commit; its filesystem is paused only', { err })
      return fn()
    }
    try {
      return await fn()
    } finally {
      await this.runtime
        .resume(c.id)
        .catch((err: unknown) =>
          this.parts.log.error('cannot thaw a container after a commit', { container: c.id, err }),
        )
    }
  }

  /** Resolves when the container's process has ended and its end is recorded (at once if it does not run). */
  async waitExit(id: string): Promise<ExitInfo> {
    const w = this.watched.get(id)
    if (w) return new Promise((resolve) => w.waiters.push(resolve))
    const c = await this.parts.records.get(id)
    return { exitCode: c?.process?.exitCode ?? 0, ...(c?.process?.error ? { error: c.process.error } : {}) }
  }

  private watch(id: string): void {
    if (!this.watched.has(id)) this.watched.set(id, { waiters: [], reaping: false })
    this.timer ??= setInterval(() => {
      for (const id of this.watched.keys()) void this.check(id)
    }, POLL_MS)
  }

  /** Reaps the container when its monitor recorded an exit or is gone. */
  private async check(id: string): Promise<void> {
    const w = this.watched.get(id)
    if (!w || w.reaping) return
    w.reaping = true
    const c = await this.parts.records.get(id)
    const m = c?.process?.monitor
    if (c && m && readExit(containerPaths(this.parts.records.dirOf(id))) === null && isAlive(m.pid, m.pidStart)) {
      w.reaping = false
      return
    }
    let exit: ExitInfo = { exitCode: 255 }
    try {
      exit = await this.parts.metadata.add((lock) => this.reap(lock, id))
    } catch (err) {
      this.parts.log.error('cannot record the end of a container process', { container: id, err })
    } finally {
      this.watched.delete(id)
      if (!this.watched.size) this.stop()
      for (const resolve of w.waiters) resolve(exit)
    }
  }

  private async reap(lock: MetadataLock, id: string): Promise<ExitInfo> {
    let c = await this.parts.records.get(id)
    const proc = c?.process
    if (!c || !proc?.monitor) return { exitCode: proc?.exitCode ?? 255 }
    const paths = containerPaths(this.parts.records.dirOf(id))
    const status = readExit(paths)
    let exit: ExitInfo
    if (status === null) {
      await this.runtime.forceDelete(id) // the monitor was killed: end what it ran
      exit = { exitCode: 255, error: 'the container monitor ended without recording an exit status' }
    } else exit = (status !== 0 && startFailure(readText(paths.runtimeLog))) || { exitCode: status }
    const finishedAt = status === null ? new Date() : statSync(paths.exit).mtime
    c = await this.parts.records.setProcess(lock, c, {
      ...proc,
      monitor: null,
      exitCode: exit.exitCode,
      finishedAt: finishedAt.toISOString(),
      ...(exit.error ? { error: exit.error } : { error: undefined }),
    })
    await this.parts.containers.unmount(lock, c, false)
    if (proc.autoRemove) await this.parts.containers.remove(lock, await this.parts.containers.resolve(id), true)
    this.parts.log.info('container process ended', { container: id, exitCode: exit.exitCode })
    return exit
  }

  private async imageConfig(c: ContainerRecord) {
    const image = await this.parts.images.get(c.imageId)
    return image ? parseConfig(image.config).config : {}
  }
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return ''
  }
}
