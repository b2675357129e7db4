/**
 * strata-overlay's command line, which is fuse-overlayfs's:
 *   strata-overlay [-f] -o lowerdir=A:B,upperdir=U,workdir=W[,volatile][,...] MOUNTPOINT
 * Read-only when there is no upperdir. Options it does not know are ignored with a warning, so
 * tools that pass fuse-overlayfs options keep working. `nopassthrough`, `journal=FILE` (record
 * changed paths for diff) and `spin=µS` (how long the reader waits awake for the next request;
 * 0 sleeps at once) are strata's own; `fsname=` sets the mount's source, as for any FUSE filesystem.
 * Tests: test/unit/fuse/worker-options.test.ts
 */
import { resolve } from 'node:path'

export interface WorkerOptions {
  lowers: string[]
  upper?: string
  work?: string
  mountpoint: string
  foreground: boolean
  volatile: boolean
  passthrough: boolean
  /** The mount's source in /proc/mounts (fsname=); stratad puts the mount's id there. */
  fsname: string
  /** strata's own: the change journal file of the upper layer (diff/journal.ts). */
  journal?: string
  /** strata's own: µs the reader reads on for the next request before it sleeps (fuse-poll.c) */
  spinUs: number
  warnings: string[]
}

/** Options fuse-overlayfs or mount(8) pass that need nothing from strata. */
const ACCEPTED = new Set([
  'rw',
  'ro',
  'allow_other',
  'default_permissions',
  'suid',
  'dev',
  'exec',
  'noatime',
  'relatime',
])

/**
 * Long enough for a serial caller's next request (most come 20-50 µs after the reply on the
 * bench's VM), short enough that a caller that has gone quiet costs little CPU; docs/benchmarks.md.
 */
export const DEFAULT_SPIN_US = 50
/** What startFusePoll takes at most. */
const MAX_SPIN_US = 1000

export class UsageError extends Error {}

export function parseWorkerArgs(argv: string[]): WorkerOptions {
  const o: WorkerOptions = {
    lowers: [],
    mountpoint: '',
    foreground: false,
    volatile: false,
    passthrough: true,
    fsname: 'strata-overlay',
    spinUs: DEFAULT_SPIN_US,
    warnings: [],
  }
  const positional: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string
    if (a === '-f' || a === '-d') o.foreground = true
    else if (a === '-o') applyOptions(o, argv[++i] ?? '')
    else if (a.startsWith('-o')) applyOptions(o, a.slice(2))
    else if (a.startsWith('-')) o.warnings.push(`ignoring unknown flag ${a}`)
    else positional.push(a)
  }
  const mountpoint = positional.at(-1)
  if (!mountpoint) throw new UsageError('usage: strata-overlay -o lowerdir=A:B[,upperdir=U,workdir=W] MOUNTPOINT')
  o.mountpoint = resolve(mountpoint)
  if (!o.lowers.length && !o.upper) throw new UsageError('lowerdir= is required')
  if (Boolean(o.upper) !== Boolean(o.work)) throw new UsageError('upperdir= and workdir= go together')
  if (o.journal && !o.upper) throw new UsageError('journal= needs upperdir=')
  return o
}

function applyOptions(o: WorkerOptions, list: string): void {
  for (const opt of list.split(',').filter(Boolean)) {
    const eq = opt.indexOf('=')
    const key = eq < 0 ? opt : opt.slice(0, eq)
    const value = eq < 0 ? '' : opt.slice(eq + 1)
    if (key === 'lowerdir')
      o.lowers = value
        .split(':')
        .filter(Boolean)
        .map((p) => resolve(p))
    else if (key === 'upperdir') o.upper = resolve(value)
    else if (key === 'workdir') o.work = resolve(value)
    else if (key === 'volatile') o.volatile = true
    else if (key === 'nopassthrough') o.passthrough = false
    else if (key === 'fsname' && value) o.fsname = value
    else if (key === 'journal' && value) o.journal = resolve(value)
    else if (key === 'spin') o.spinUs = spinOf(value)
    else if (!ACCEPTED.has(key)) o.warnings.push(`ignoring unknown option ${opt}`)
  }
}

function spinOf(value: string): number {
  const us = /^\d{1,4}$/.test(value) ? Number(value) : NaN
  if (!(us <= MAX_SPIN_US)) throw new UsageError(`spin= takes 0 to ${MAX_SPIN_US} (µs), not "${value}"`)
  return us
}
