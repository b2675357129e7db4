/**
 * The backends a benchmark compares, each mounting the same layer stack (top first) with a fresh
 * upper: ext4 (the merged tree copied flat, no union), kernel overlayfs, fuse-overlayfs and
 * strata-overlay. Mounts are made and removed by the benchmark, never left behind.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdirSync, rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

export type BackendName = 'ext4' | 'overlayfs' | 'fuse-overlayfs' | 'strata'
export const BACKENDS: BackendName[] = ['ext4', 'overlayfs', 'fuse-overlayfs', 'strata']

const WORKER = fileURLToPath(new URL('../daemon/fuse/worker.js', import.meta.url))

export interface Mounted {
  mnt: string
  unmount(): void
}

const run = (cmd: string, args: string[], cwd?: string) => execFileSync(cmd, args, { stdio: 'pipe', cwd })

/** `lowers` top first; `scratch` a directory on the benchmark filesystem for upper/work/mnt. */
export function mountBackend(name: BackendName, lowers: string[], scratch: string, flat: string): Mounted {
  rmSync(scratch, { recursive: true, force: true })
  for (const d of ['upper', 'work', 'mnt']) mkdirSync(`${scratch}/${d}`, { recursive: true })
  const mnt = `${scratch}/mnt`
  const umount = () => spawnSync('umount', [mnt])
  const lowerdir = lowers.join(':')
  const opts = `lowerdir=${lowerdir},upperdir=${scratch}/upper,workdir=${scratch}/work`
  switch (name) {
    case 'ext4':
      return { mnt: flat, unmount: () => undefined }
    case 'overlayfs':
      run('mount', ['-t', 'overlay', 'overlay', '-o', `${opts},redirect_dir=off,index=off,metacopy=off`, mnt])
      return { mnt, unmount: umount }
    case 'fuse-overlayfs':
      run('fuse-overlayfs', ['-o', opts, mnt])
      return { mnt, unmount: umount }
    case 'strata':
      run(process.execPath, [WORKER, '-o', opts, mnt])
      return { mnt, unmount: umount }
  }
}
