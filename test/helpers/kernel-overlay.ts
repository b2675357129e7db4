/**
 * Kernel overlayfs as the oracle: mounts lowers/upper/work with the options that make its on-disk
 * result comparable to strata's (no redirects, no index, no metacopy), and always unmounts at
 * teardown, also when the test failed.
 */
import { mkdirSync, readFileSync } from 'node:fs'
import { constants, mount, umount2 } from '../../native-bindings/index.js'

interface Teardown {
  teardown(fn: () => void | Promise<void>): void
}

export interface KernelMount {
  mnt: string
  unmount(): void
}

export function isMounted(path: string): boolean {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .some((l) => l.split(' ')[4] === path)
}

export function mountKernelOverlay(
  t: Teardown,
  lowers: string[],
  upper: string,
  work: string,
  mnt: string,
): KernelMount {
  mkdirSync(mnt, { recursive: true })
  const opts = `lowerdir=${lowers.join(':')},upperdir=${upper},workdir=${work},redirect_dir=off,index=off,metacopy=off,xino=off`
  let mounted = false
  const unmount = () => {
    if (mounted) umount2(mnt, constants.MNT_DETACH)
    mounted = false
  }
  t.teardown(unmount)
  mount('overlay', mnt, 'overlay', 0, opts)
  mounted = true
  return { mnt, unmount }
}
