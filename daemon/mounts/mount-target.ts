/**
 * Where a mount may go. Never over the system's own directories, the data root (or above it,
 * or inside it unless the daemon chose the place), the daemon's socket, or the directories the
 * worker serves from: a worker whose mount covers what it reads waits on itself forever, and a
 * mount over the data root hangs the daemon's next database read. A target is judged resolved
 * (symlinks and `..`, including a part not made yet).
 * Errors: INVALID_ARGUMENT naming the target and what it would cover.
 * Tests: test/unit/mounts/mount-target.test.ts, test/integration/mount-targets.test.ts
 */
import { realpathSync } from 'node:fs'
import { basename, dirname, join, relative, sep } from 'node:path'
import { invalidArgument } from '../errors.js'

/** Nothing inside these: the kernel's trees and the installed system's. */
const SYSTEM_TREES = [
  '/proc',
  '/sys',
  '/dev',
  '/etc',
  '/usr',
  '/boot',
  '/efi',
  '/bin',
  '/sbin',
  '/lib',
  '/lib32',
  '/lib64',
  '/libx32',
]

/**
 * These and their direct children are never targets (mounting there hides what the system keeps:
 * /home, /tmp, /var/lib, /run/systemd, …); a directory deeper down may be.
 */
const SYSTEM_PARENTS = ['/', '/var', '/run']

/** Top-level directories that exist to have things mounted on them. */
const MOUNT_PLACES = ['/mnt', '/media']

export interface TargetRules {
  /** The data root. */
  root: string
  /** Other paths of the daemon's that a mount must not cover (its socket). */
  protect: string[]
  /** The directories the worker serves from (lower, upper and work; existing, resolved). */
  served: string[]
  /** The daemon chose this place under the data root (a container's merged/, an image view). */
  ownPlace: boolean
}

/** The path with every existing part resolved (realpath), the rest appended as given. */
export function resolvePath(path: string): string {
  const missing: string[] = []
  for (let p = path; ; p = dirname(p)) {
    try {
      return join(realpathSync(p), ...missing.reverse())
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || p === dirname(p)) throw err
      missing.push(basename(p))
    }
  }
}

/** Throws INVALID_ARGUMENT when a mount at `target` (resolved) would cover what it must not. */
export function checkTarget(target: string, rules: TargetRules): void {
  const refuse = (why: string): never => {
    throw invalidArgument(`mount target ${target} ${why}`)
  }
  for (const tree of SYSTEM_TREES) if (within(target, tree)) refuse(`is in ${tree}, which belongs to the system`)
  const parent = dirname(target)
  if (SYSTEM_PARENTS.includes(target) || (SYSTEM_PARENTS.includes(parent) && !MOUNT_PLACES.includes(target)))
    refuse('is a system directory: choose a directory inside it')
  const root = resolvePath(rules.root)
  if (within(root, target)) refuse(target === root ? 'is the data root' : `would cover the data root ${root}`)
  if (within(target, root) && !rules.ownPlace) refuse(`is inside the data root ${root}`)
  for (const p of rules.protect.map(resolvePath)) if (within(p, target)) refuse(`would cover the daemon's ${p}`)
  for (const d of rules.served) {
    if (within(d, target))
      refuse(target === d ? `is the layer directory it serves` : `would cover ${d}, which it serves`)
    if (within(target, d)) refuse(`is inside ${d}, which it serves`)
  }
}

/** Whether `path` is `dir` or inside it. */
function within(path: string, dir: string): boolean {
  const rel = relative(dir, path)
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !rel.startsWith(sep))
}
