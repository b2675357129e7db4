/**
 * What workers that died left in work/: entries they staged (`#strata-<pid>-<n>`, stack.ts
 * stagingPath) and never renamed into upper/, such as a copy handed out before its install
 * (copy-up.ts copyUpLater) when the worker was killed. They were never part of the union, so a
 * new worker removes them before it mounts; entries of a worker still alive stay.
 * Tests: test/unit/overlay/work-leftovers.test.ts
 */
import { readdirSync, rmSync } from 'node:fs'
import { startTimeOf } from '../process-start.js'

const STAGED = /^#strata-(\d+)-\d+$/

/** Removes the staged entries of dead processes from `work`; call before staging anything. Returns their names. */
export function removeWorkLeftovers(work: string): string[] {
  const gone = readdirSync(work).filter((name) => {
    const pid = STAGED.exec(name)?.[1]
    return pid !== undefined && (Number(pid) === process.pid || !alive(Number(pid)))
  })
  for (const name of gone) rmSync(`${work}/${name}`, { recursive: true, force: true })
  return gone
}

const alive = (pid: number): boolean => startTimeOf(pid) !== undefined
