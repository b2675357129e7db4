/**
 * Naming a process across time: a pid together with its start time (/proc/PID/stat field 22),
 * since pids are reused. The daemon uses it for its mount workers, and a paused worker for the
 * daemon that paused it.
 * Tests: test/unit/daemon/process-start.test.ts
 */
import { readFileSync } from 'node:fs'

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

/** Whether the process that had this pid and start time still runs. */
export const isAlive = (pid: number | null, pidStart: number | null): boolean =>
  pid !== null && pidStart !== null && startTimeOf(pid) === pidStart
