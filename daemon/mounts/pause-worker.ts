/**
 * Pausing a mount worker, the daemon's half (the worker's is fuse/pause.ts): while a mounted
 * container's upper layer is read (a commit), the daemon writes a pause request naming itself,
 * sends SIGUSR1, waits for the worker's ack and renews the request every second; SIGUSR2
 * resumes it. A daemon that dies or stops renewing loses the pause (the worker lets go), and
 * `isHeld` tells the one that did. `resumeIfPaused` is for a pause nobody holds any more: a
 * worker adopted after a restart, or one unmounted by force.
 * Tests: test/integration/paused-commit.test.ts, test/integration/container-commit.test.ts
 */
import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { unavailable } from '../errors.js'
import {
  PAUSE_RENEW_MS,
  PAUSE_WAIT_MS,
  pauseFile,
  pauseRequestFile,
  type PauseAck,
  type PauseRequest,
} from '../fuse/pause.js'
import { isAlive, startTimeOf } from '../process-start.js'

export interface Worker {
  pid: number
  pidStart: number
}

export interface Paused {
  /** Files still open for writing when the worker gave up waiting (passthrough writes may go on). */
  writersOpen: number
  /** Whether the worker still holds requests for this pause: false once it let go by itself. */
  isHeld(): boolean
  /** Resumes the worker and waits until it says so (or is gone); once, however often it is called. */
  resume(): Promise<void>
}

const self = { pid: process.pid, pidStart: startTimeOf(process.pid) ?? 0 }

/**
 * Each step waits for the worker's answer before the next signal, so a SIGUSR2 is never pending
 * together with a later SIGUSR1 (the kernel would deliver them by number, not in order). One
 * pause per worker at a time: the supervisor's queue for the mount sees to that. An abort of
 * `signal` while waiting for the ack resumes the worker and throws its reason. `writers` false:
 * the worker does not wait for files open for writing (fuse/pause.ts PauseRequest.writers).
 */
export async function pauseWorker(w: Worker, workdir: string, signal?: AbortSignal, writers = true): Promise<Paused> {
  const request = pauseRequestFile(workdir)
  const gone = () => !isAlive(w.pid, w.pidStart)
  await until(() => readAck(workdir) === undefined || gone(), `mount worker ${w.pid} is still paused`) // a resume just sent
  const token = randomBytes(8).toString('hex')
  // A worker started before pauses had tokens (adopted across an upgrade) acks without one.
  const ours = (a: PauseAck | undefined) => a !== undefined && (a.token === token || a.token === undefined)
  const body: PauseRequest = { token, ...self, ...(writers ? {} : { writers: false }) }
  writeFileSync(`${request}.new`, JSON.stringify(body))
  renameSync(`${request}.new`, request)
  let lost = false
  const renew = setInterval(() => {
    const now = new Date()
    try {
      utimesSync(request, now, now)
    } catch {
      // The request was taken away (or cannot be touched): the lease runs out, and isHeld says so.
      clearInterval(renew)
      lost = true
    }
  }, PAUSE_RENEW_MS)
  let resumed: Promise<void> | undefined
  const resume = () =>
    (resumed ??= (async () => {
      clearInterval(renew)
      if (!gone()) process.kill(w.pid, 'SIGUSR2')
      await until(() => !ours(readAck(workdir)) || gone(), `mount worker ${w.pid} did not resume`)
      rmSync(request, { force: true })
    })())
  let ack: PauseAck | undefined
  try {
    process.kill(w.pid, 'SIGUSR1')
    await until(
      () => {
        if (gone()) throw unavailable(`mount worker ${w.pid} is gone`)
        return ours((ack = readAck(workdir)))
      },
      `mount worker ${w.pid} did not pause`,
      signal,
    )
  } catch (err) {
    await resume()
    throw err
  }
  return { writersOpen: ack?.writersOpen ?? 0, isHeld: () => !lost && ours(readAck(workdir)), resume }
}

/**
 * Resumes a worker that is paused, or being paused, for a pauser that is not this call's: the
 * request or the ack is there. True when it had to; the worker would also let go by itself.
 */
export async function resumeIfPaused(w: Worker, workdir: string): Promise<boolean> {
  const request = pauseRequestFile(workdir)
  if (readAck(workdir) === undefined && !existsSync(request)) return false
  const gone = () => !isAlive(w.pid, w.pidStart)
  if (!gone()) process.kill(w.pid, 'SIGUSR2')
  await until(() => readAck(workdir) === undefined || gone(), `mount worker ${w.pid} did not resume`)
  rmSync(request, { force: true })
  return true
}

/** Whether the worker says it is paused (for `ps`; a pause in progress shows once acked). */
export const hasPauseAck = (workdir: string): boolean => readAck(workdir) !== undefined

function readAck(workdir: string): PauseAck | undefined {
  try {
    return JSON.parse(readFileSync(pauseFile(workdir), 'utf8')) as PauseAck
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
}

async function until(done: () => boolean, failure: string, signal?: AbortSignal): Promise<void> {
  for (const deadline = Date.now() + PAUSE_WAIT_MS + 5000; Date.now() < deadline;) {
    signal?.throwIfAborted()
    if (done()) return
    await new Promise((r) => setTimeout(r, 5))
  }
  throw unavailable(failure)
}
