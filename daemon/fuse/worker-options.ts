/**
 * strata-overlay's command line, which is fuse-overlayfs's:
 *   strata-overlay [-f] -o lowerdir=A:B,upperdir=U,workdir=W[,volatile][,...] MOUNTPOINT
 * Read-only when there is no upperdir. Options it does not know are ignored with a warning, so
 * tools that pass fuse-overlayfs options keep working. `nopassthrough` and `journal=FILE` (record
 * changed paths for diff) are strata's own; `fsname=` sets the mount's source, as for any FUSE
 * filesystem.
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

export class UsageError extends Error {}

export function parseWorkerArgs(argv: string[]): WorkerOptions {
  const o: WorkerOptions = {
    lowers: [],
    mountpoint: '',
    foreground: false,
    volatile: false,
    passthrough: true,
    fsname: 'strata-overlay',
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
    else if (!ACCEPTED.has(key)) o.warnings.push(`ignoring unknown option ${opt}`)
  }
}
