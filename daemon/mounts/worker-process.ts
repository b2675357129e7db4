/**
 * Starting a strata-overlay worker for the daemon, and recognising one later. The worker runs
 * detached (its own session: it outlives the daemon, and systemd's KillMode=process leaves it),
 * logs to a file, and reports 'ready' or its startup error over IPC. A pid is only trusted
 * together with the process's start time, since pids are reused.
 * Tests: test/unit/mounts/worker-process.test.ts, test/integration/daemon-mounts.test.ts
 */
import { spawn } from 'node:child_process'
import { closeSync, openSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

export interface WorkerHandle {
  pid: number
  pidStart: number
  /** Resolves when the worker exits (only for workers this process started). */
  exited: Promise<void>
}

export interface WorkerStart {
  options: string
  target: string
  logFile: string
  timeoutMs?: number
}

const WORKER = fileURLToPath(new URL('../fuse/worker.js', import.meta.url))

export class WorkerStartError extends Error {
  override name = 'WorkerStartError'
}

export function startWorker(w: WorkerStart): Promise<WorkerHandle> {
  const log = openSync(w.logFile, 'a', 0o600)
  const child = spawn(process.execPath, [WORKER, '-f', '-o', w.options, w.target], {
    detached: true,
    stdio: ['ignore', log, log, 'ipc'],
  })
  closeSync(log)
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  return new Promise((resolve, reject) => {
    const fail = (msg: string) => {
      clearTimeout(timer)
      child.kill('SIGKILL')
      reject(new WorkerStartError(msg))
    }
    const timer = setTimeout(() => fail(`worker did not mount within ${w.timeoutMs ?? 30000} ms`), w.timeoutMs ?? 30000)
    child.once('error', (err) => fail(`cannot start worker: ${err.message}`))
    const onExit = (code: number | null, signal: string | null) =>
      fail(`worker exited during startup (${signal ?? `status ${code}`}); see ${w.logFile}`)
    child.once('exit', onExit)
    child.once('message', (m: unknown) => {
      clearTimeout(timer)
      child.off('exit', onExit)
      if (typeof m === 'object' && m !== null && 'error' in m) return fail(String((m as { error: unknown }).error))
      const pid = child.pid as number
      child.disconnect()
      child.unref()
      resolve({ pid, pidStart: startTimeOf(pid) ?? 0, exited })
    })
  })
}

/** Field 22 of /proc/PID/stat (start time in clock ticks), or undefined when there is no such process. */
export function startTimeOf(pid: number): number | undefined {
  let stat: string
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
  // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const start = Number(fields[19])
  const state = fields[0]
  return state === 'Z' || state === 'X' || !Number.isFinite(start) ? undefined : start
}

export const isWorkerAlive = (pid: number | null, pidStart: number | null): boolean =>
  pid !== null && pidStart !== null && startTimeOf(pid) === pidStart
