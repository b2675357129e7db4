/**
 * The backends a benchmark compares, each mounting the same layer stack (top first) with a fresh
 * upper: ext4 (the merged tree copied flat, no union), kernel overlayfs, fuse-overlayfs,
 * strata-overlay, and strata-overlay with `-o volatile` (no fsync on copy-up). A mount reports
 * how long it took (from starting the mount command until the mountpoint answers a readdir) and
 * the pid of the process serving it. Mounts are made and removed by the benchmark, never left behind.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdirSync, readdirSync, rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { startTimeOf } from '../daemon/process-start.js'

export type BackendName = 'ext4' | 'overlayfs' | 'fuse-overlayfs' | 'strata' | 'strata-volatile'
export const BACKENDS: BackendName[] = ['ext4', 'overlayfs', 'fuse-overlayfs', 'strata', 'strata-volatile']
export const UNION_BACKENDS = BACKENDS.filter((b) => b !== 'ext4')

export const WORKER = fileURLToPath(new URL('../daemon/fuse/worker.js', import.meta.url))
/** strata-overlay as installed (package.json's bin): the shell launcher that starts WORKER detached. */
const LAUNCHER = fileURLToPath(new URL('../../bin/strata-overlay', import.meta.url))

export interface Mounted {
  mnt: string
  /** ms from starting the mount command until the mountpoint answered; NaN for ext4 */
  mountMs: number
  /** the process serving a FUSE mount, null for the kernel's */
  pid(): number | null
  unmount(): void
}

const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { stdio: 'pipe' })

/** The overlayfs-style -o string all three union backends take; `scratch` holds upper/work/mnt. */
export const overlayOptions = (lowers: string[], scratch: string) =>
  `lowerdir=${lowers.join(':')},upperdir=${scratch}/upper,workdir=${scratch}/work`

/** Empties `scratch` and makes upper/, work/ and mnt/ in it; returns the mountpoint. */
export function freshScratch(scratch: string): string {
  rmSync(scratch, { recursive: true, force: true })
  for (const d of ['upper', 'work', 'mnt']) mkdirSync(`${scratch}/${d}`, { recursive: true })
  return `${scratch}/mnt`
}

/** umount, and a lazy one if the mount is busy (a workload that failed may have left a process in it). */
export function unmountPath(mnt: string): void {
  if (spawnSync('umount', [mnt]).status !== 0) spawnSync('umount', ['-l', mnt])
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** The pid of the process whose command line matches `pattern` (pgrep -f), or null. */
function pgrep(pattern: string): number | null {
  const out = spawnSync('pgrep', ['-f', '--', pattern]).stdout?.toString().trim() ?? ''
  const pid = Number(out.split('\n')[0])
  return out && Number.isInteger(pid) ? pid : null
}

/** The mount command of a union backend. */
function mountCommand(name: Exclude<BackendName, 'ext4'>, opts: string, mnt: string): [string, string[]] {
  switch (name) {
    case 'overlayfs':
      return ['mount', ['-t', 'overlay', 'overlay', '-o', `${opts},redirect_dir=off,index=off,metacopy=off`, mnt]]
    case 'fuse-overlayfs':
      return ['fuse-overlayfs', ['-o', opts, mnt]]
    case 'strata':
      return [LAUNCHER, ['-o', opts, mnt]]
    case 'strata-volatile':
      return [LAUNCHER, ['-o', `${opts},volatile`, mnt]]
  }
}

/** `lowers` top first; `scratch` a directory on the benchmark filesystem for upper/work/mnt. */
export function mountBackend(name: BackendName, lowers: string[], scratch: string, flat: string): Mounted {
  if (name === 'ext4') return { mnt: flat, mountMs: NaN, pid: () => null, unmount: () => undefined }
  const mnt = freshScratch(scratch)
  const [cmd, args] = mountCommand(name, overlayOptions(lowers, scratch), mnt)
  const t0 = process.hrtime.bigint()
  run(cmd, args)
  try {
    readdirSync(mnt)
  } catch (err) {
    unmountPath(mnt)
    throw err
  }
  const mountMs = Number(process.hrtime.bigint() - t0) / 1e6
  const serving = `.* ${escapeRegExp(mnt)}$`
  const pid = () =>
    name === 'overlayfs'
      ? null
      : pgrep(name === 'fuse-overlayfs' ? `^fuse-overlayfs${serving}` : `worker\\.js${serving}`)
  const server = pid()
  return { mnt, mountMs, pid, unmount: () => unmountAndWait(mnt, server) }
}

/**
 * Unmounts, then waits (up to 10 s) for the process that served the mount to exit: a strata
 * worker renames copies handed out early into upper/ after the unmount (docs/decisions.md), and
 * the next backend's fresh scratch must not race it.
 */
function unmountAndWait(mnt: string, server: number | null): void {
  const started = server === null ? undefined : startTimeOf(server)
  unmountPath(mnt)
  for (let i = 0; i < 1000 && started !== undefined && startTimeOf(server as number) === started; i++)
    spawnSync('sleep', ['0.01'])
}
