/**
 * scriptAcrossPause: a python script in a mount whose worker gets paused (as commit pauses it) while
 * the script waits for a line on its stdin. The line goes once the worker is paused; half a second
 * later `whilePaused` checks that nothing went through; then the worker resumes and the script's
 * output is returned once it exited. `ready`: text the script prints when it may be paused (a file
 * it holds open, say); the pause waits for it. The script is killed in the teardown.
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { pauseWorker } from '../../daemon/mounts/pause-worker.js'
import { startTimeOf } from '../../daemon/process-start.js'
import type { StrataMount } from './strata-mount.js'

interface Teardown {
  teardown(fn: () => void | Promise<void>): void
}

export async function scriptAcrossPause(
  t: Teardown,
  m: StrataMount,
  work: string,
  script: string,
  whilePaused: (paused: { writersOpen: number }) => void,
  ready?: string,
): Promise<string> {
  const child = spawn('python3', ['-c', script], { cwd: m.mnt, stdio: ['pipe', 'pipe', 'inherit'] })
  const exited = once(child, 'exit') // listened for now: a broken pause would let it finish early
  t.teardown(() => void child.kill('SIGKILL'))
  let output = ''
  child.stdout.on('data', (d: Buffer) => (output += d.toString()))
  while (ready !== undefined && !output.includes(ready)) await new Promise((r) => setTimeout(r, 20))
  const pid = m.worker.pid as number
  const paused = await pauseWorker({ pid, pidStart: startTimeOf(pid) ?? 0 }, work)
  child.stdin.write('go\n')
  await new Promise((r) => setTimeout(r, 500))
  whilePaused(paused)
  await paused.resume()
  await exited
  return output
}
