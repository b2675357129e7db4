/**
 * Pausing a mount worker, the daemon's half (the worker's is fuse/pause.ts): while a mounted
 * container's upper layer is read (a commit), the daemon sends SIGUSR1 and waits for the worker's
 * ack file; SIGUSR2 resumes it.
 * Tests: test/integration/container-commit.test.ts
 */
import { existsSync, readFileSync } from 'node:fs'
import { unavailable } from '../errors.js'
import { PAUSE_WAIT_MS, pauseFile } from '../fuse/pause.js'

export interface Paused {
  /** Files still open for writing when the worker gave up waiting (passthrough writes may go on). */
  writersOpen: number
  /** Resumes the worker and waits until it says so (the ack file is gone). */
  resume(): Promise<void>
}

/**
 * Each step waits for the worker's answer before the next signal, so a SIGUSR2 is never pending
 * together with a SIGUSR1 (the kernel would deliver them by number, not in order). One pause per
 * worker at a time: the supervisor's queue for the mount sees to that.
 */
export async function pauseWorker(pid: number, workdir: string): Promise<Paused> {
  const ack = pauseFile(workdir)
  const resume = async () => {
    process.kill(pid, 'SIGUSR2')
    await until(() => !existsSync(ack), `mount worker ${pid} did not resume`)
  }
  await until(() => !existsSync(ack), `mount worker ${pid} is still paused`) // a resume just sent
  process.kill(pid, 'SIGUSR1')
  let text = ''
  try {
    await until(() => existsSync(ack) && (text = readFileSync(ack, 'utf8')) !== '', `mount worker ${pid} did not pause`)
  } catch (err) {
    await resume()
    throw err
  }
  return { writersOpen: (JSON.parse(text) as { writersOpen: number }).writersOpen, resume }
}

async function until(done: () => boolean, failure: string): Promise<void> {
  for (const deadline = Date.now() + PAUSE_WAIT_MS + 5000; Date.now() < deadline;) {
    if (done()) return
    await new Promise((r) => setTimeout(r, 5))
  }
  throw unavailable(failure)
}
