/**
 * Pausing a mount worker, the worker's half (the daemon's is mounts/pause-worker.ts): SIGUSR1
 * holds the session's requests, waits for open writers, then writes an ack file in the work
 * directory; SIGUSR2 resumes and removes it. Held requests block the container's processes, as
 * `docker pause` freezes them. The ack file's name and the wait are the contract both halves share.
 * Tests: test/integration/container-commit.test.ts
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Session } from './session.js'

/** How long a pausing worker waits for files open for writing to be closed. */
export const PAUSE_WAIT_MS = 5000

/** The ack file: present (with `{ writersOpen }`) while the worker is paused. */
export const pauseFile = (workdir: string): string => join(workdir, '.strata-paused')

/**
 * SIGUSR1 pauses the session (requests held, open writers waited for) and then writes the ack
 * file, which the daemon polls for; SIGUSR2 resumes and then removes it.
 */
export function handlePause(session: Session, workdir: string): void {
  const ack = pauseFile(workdir)
  rmSync(ack, { force: true }) // left by a worker that died paused: this one is not
  process.on('SIGUSR1', () => {
    void session.pause(PAUSE_WAIT_MS).then((r) => {
      writeFileSync(`${ack}.new`, JSON.stringify(r))
      renameSync(`${ack}.new`, ack) // whole, or not there
    })
  })
  process.on('SIGUSR2', () => {
    session.resume()
    rmSync(ack, { force: true }) // after resuming: the daemon waits for this
  })
}
