/**
 * What workers that died left in work/: entries they staged (`#strata-<pid>-<n>`, stack.ts
 * stagingPath) and never renamed into upper/. A copy handed out before its install (copy-up.ts
 * copyUpLater) names the union path it is for in a private xattr (stagedFor): its opener may have
 * written to it and closed it, so a new worker finishes its install (fsync, then the rename into
 * upper/, the parent keeping its times) where its directory is in upper/ and its name is still
 * free, which is what the dead worker would have done next. Everything else staged was never part
 * of the union and is removed. Entries of another worker still alive stay; this process's own pid
 * counts as dead (a dead worker may have had it: it has staged nothing yet itself).
 * Tests: test/unit/overlay/work-leftovers.test.ts, test/integration/fuse-copy-up-later.test.ts
 */
import { closeSync, constants as fsc, fsyncSync, readdirSync } from 'node:fs'
import { fremovexattr } from '../../native-bindings/index.js'
import { startTimeOf } from '../process-start.js'
import { lgetxattrIfAny, lstatOrNull, open, rm } from './backing-fs.js'
import { renameIntoPlace, stagedFor } from './copy-up.js'
import type { XattrNamespace } from './opaque.js'
import { parsePath, splitParent } from './path.js'

const STAGED = /^#strata-(\d+)-\d+$/

export interface Leftovers {
  /** union paths whose copy was installed */
  installed: string[]
  /** names in work/ removed */
  removed: string[]
}

/** Settles the staged entries of dead processes in `work` (see above); call before staging anything. */
export function settleWorkLeftovers(work: string, upper: string, ns: XattrNamespace): Leftovers {
  const done: Leftovers = { installed: [], removed: [] }
  for (const name of readdirSync(work)) {
    const pid = STAGED.exec(name)?.[1]
    if (pid === undefined || (Number(pid) !== process.pid && alive(Number(pid)))) continue
    const staged = `${work}/${name}`
    const target = copyFor(staged, ns)
    if (target !== null && install(staged, upper, target, ns)) done.installed.push(target)
    else {
      rm(staged, { recursive: true, force: true })
      done.removed.push(name)
    }
  }
  return done
}

/** The union path a staged copy is for, or null (not a copy handed out, or a name that is no path). */
function copyFor(staged: string, ns: XattrNamespace): string | null {
  if (!lstatOrNull(staged)?.isFile()) return null
  const value = lgetxattrIfAny(staged, stagedFor({ ns }))?.toString()
  if (!value) return null
  try {
    return parsePath(value, 'copyup') || null
  } catch {
    return null // the xattr is ours, but a broken one names nothing to install
  }
}

/** Installs a dead worker's copy as copy-up.ts would have; false where its place is gone or taken. */
function install(staged: string, upper: string, target: string, ns: XattrNamespace): boolean {
  const dest = `${upper}/${target}`
  const parent = `${upper}/${splitParent(target).parent}`.replace(/\/$/, '')
  const parentStat = lstatOrNull(parent)
  if (!parentStat?.isDirectory() || lstatOrNull(dest) !== null) return false
  const fd = open(staged, fsc.O_RDWR | fsc.O_NOFOLLOW)
  try {
    fsyncSync(fd)
    fremovexattr(fd, stagedFor({ ns }))
  } finally {
    closeSync(fd)
  }
  renameIntoPlace(staged, dest, parent, parentStat)
  return true
}

const alive = (pid: number): boolean => startTimeOf(pid) !== undefined
