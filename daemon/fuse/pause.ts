/**
 * Pausing a mount worker while its upper layer is read (a commit of a mounted container): the
 * daemon sends SIGUSR1, the worker holds requests and waits for open writers, then writes an ack
 * file in its work directory; SIGUSR2 resumes it. Held requests block the container's processes,
 * as `docker pause` freezes them.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { unavailable } from '../errors.js'

/** How long a pausing worker waits for files open for writing to be closed. */
export const PAUSE_WAIT_MS = 5000

export const pauseFile = (workdir: string): string => join(workdir, '.strata-paused')

export interface Paused {
  /** Files still open for writing when the worker gave up waiting (passthrough writes may go on). */
  writersOpen: number
  resume(): void
}

export async function pauseWorker(pid: number, workdir: string): Promise<Paused> {
  const ack = pauseFile(workdir)
  const resume = () => process.kill(pid, 'SIGUSR2')
  process.kill(pid, 'SIGUSR1')
  for (const deadline = Date.now() + PAUSE_WAIT_MS + 5000; Date.now() < deadline;) {
    if (existsSync(ack)) {
      const text = readFileSync(ack, 'utf8')
      if (text) return { writersOpen: (JSON.parse(text) as { writersOpen: number }).writersOpen, resume }
    }
    await new Promise((r) => setTimeout(r, 5))
  }
  resume()
  throw unavailable(`mount worker ${pid} did not pause`)
}
