/**
 * Pausing a mount worker, the worker's half (the daemon's is mounts/pause-worker.ts). The daemon
 * writes a request in the work directory (a token, its own pid and start time) and sends
 * SIGUSR1: the worker holds the session's requests, waits for open writers, then writes an ack
 * file carrying the token; SIGUSR2 resumes and removes it. Held requests block the container's
 * processes (unkillably, in D state), so a pause is a lease: the worker lets go by itself as soon
 * as the daemon that asked is gone, or once it has not renewed the request (touched its mtime)
 * for PAUSE_LEASE_MS. The file names, their contents and the times are the contract both halves
 * share.
 * Tests: test/integration/paused-commit.test.ts, test/integration/container-commit.test.ts
 */
import { readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Logger } from '../log.js'
import { isAlive } from '../process-start.js'
import type { Session } from './session.js'

/** How long a pausing worker waits for files open for writing to be closed. */
export const PAUSE_WAIT_MS = 5000

/** How long a pause outlives the last word (a renewal) from the daemon that asked for it. */
export const PAUSE_LEASE_MS = 5000

/** How often the daemon renews a pause it holds; well inside the lease. */
export const PAUSE_RENEW_MS = 1000

/** How often a paused worker looks at its pauser and the lease: two small syscalls, only while paused. */
const CHECK_MS = 200

/** The ack file: present (a PauseAck) while the worker is paused. */
export const pauseFile = (workdir: string): string => join(workdir, '.strata-paused')

/** The request file: the daemon's, written before SIGUSR1; its mtime is the lease's renewal. */
export const pauseRequestFile = (workdir: string): string => join(workdir, '.strata-pause')

export interface PauseRequest {
  token: string
  /** The pausing process, named by pid and start time (process-start.ts). */
  pid: number
  pidStart: number
  /**
   * false: do not wait for files open for writing. Such a pause is a barrier, not a snapshot:
   * taken and let go at once, it still comes only once every copy handed out before it is in
   * upper/ (what diff and export need before they read upper/ themselves).
   */
  writers?: boolean
}

export interface PauseAck {
  token: string
  /** Files still open for writing when the worker gave up waiting (passthrough writes may go on). */
  writersOpen: number
}

interface Hold {
  token: string
  pauser: PauseRequest | undefined
  timer: NodeJS.Timeout
}

/**
 * SIGUSR1 pauses the session (requests held, open writers waited for) and then writes the ack
 * file, which the daemon polls for; SIGUSR2 resumes and then removes it. While paused, a timer
 * resumes the session when the pauser is gone or its lease ran out.
 */
export function handlePause(session: Session, workdir: string, log: Logger): void {
  const ack = pauseFile(workdir)
  const request = pauseRequestFile(workdir)
  // Left by a worker that died paused: this one is not. (The daemon pauses only a serving worker.)
  rmSync(ack, { force: true })
  rmSync(request, { force: true })
  let current: Hold | null = null

  const resume = (lapsed?: string) => {
    if (current) clearInterval(current.timer)
    current = null
    session.resume()
    rmSync(ack, { force: true }) // after resuming: the daemon waits for this
    if (lapsed) log.warn(`resumed without being asked: ${lapsed}`)
  }

  process.on('SIGUSR1', () => {
    if (current) clearInterval(current.timer)
    const pauser = readRequest(request, log)
    const lease = leaseOf(request, log)
    const hold: Hold = {
      token: pauser?.token ?? '',
      pauser,
      timer: setInterval(() => {
        if (pauser && !isAlive(pauser.pid, pauser.pidStart))
          resume(`the process that paused it (${pauser.pid}) is gone`)
        else if (lease.expired()) resume(`no renewal from the process that paused it for ${PAUSE_LEASE_MS} ms`)
      }, CHECK_MS),
    }
    current = hold
    session
      .pause(pauser?.writers === false ? 0 : PAUSE_WAIT_MS)
      .then((r) => {
        if (current !== hold) return // resumed meanwhile: no ack for a pause that is over
        const body: PauseAck = { token: hold.token, writersOpen: r.writersOpen }
        writeFileSync(`${ack}.new`, JSON.stringify(body))
        renameSync(`${ack}.new`, ack) // whole, or not there
      })
      .catch((err: unknown) => {
        log.error('cannot write the pause ack', { path: ack, err })
        if (current === hold) resume('the daemon cannot be told it is paused')
      })
  })
  process.on('SIGUSR2', () => resume())
}

/**
 * The request as the daemon wrote it, or undefined: none, or one that cannot be read (logged; a
 * signal handler must not throw, and the lease still bounds the pause).
 */
function readRequest(path: string, log: Logger): PauseRequest | undefined {
  try {
    const r = JSON.parse(readFileSync(path, 'utf8')) as Partial<PauseRequest>
    const named = typeof r.token === 'string' && Number.isInteger(r.pid) && Number.isInteger(r.pidStart)
    if (named && (r.writers === undefined || typeof r.writers === 'boolean')) return r as PauseRequest
    log.warn('a pause request that does not name its pauser: bounded by the lease alone', { path })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') log.warn('cannot read the pause request', { path, err })
  }
  return undefined
}

/**
 * The lease, measured on the monotonic clock from the last change of the request's mtime that
 * this worker saw, so a clock step changes nothing. Without a request file it runs from the pause.
 */
function leaseOf(path: string, log: Logger): { expired(): boolean } {
  const mtime = () => {
    try {
      return statSync(path, { throwIfNoEntry: false })?.mtimeMs
    } catch (err) {
      log.warn('cannot stat the pause request: counted as no renewal', { path, err })
      return undefined
    }
  }
  let seen = mtime()
  let renewedAt = performance.now()
  return {
    expired() {
      const now = mtime()
      if (now !== undefined && now !== seen) {
        seen = now
        renewedAt = performance.now()
      }
      return performance.now() - renewedAt > PAUSE_LEASE_MS
    },
  }
}
