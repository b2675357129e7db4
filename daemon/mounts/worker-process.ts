/**
 * Starting a strata-overlay worker for the daemon. The worker runs detached (its own session: it
 * outlives the daemon, and systemd's KillMode=process leaves it), logs to a file, and reports
 * 'ready' or its startup error over IPC. Its handle holds the process's start time with the pid
 * (process-start.ts), since pids are reused.
 * Tests: test/integration/daemon-mounts.test.ts
 */
import { spawn } from 'node:child_process'
import { closeSync, openSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { startTimeOf } from '../process-start.js'

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
