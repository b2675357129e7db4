/**
 * Counted mounts for containers and images: the first `mount` starts a supervised worker
 * (mounts/supervisor.ts), later ones return the same path and count; `unmount` releases one, and
 * the last release (or a forced one) unmounts. A recorded mount the supervisor no longer has
 * (removed by hand with `overlay rm`) counts as not mounted.
 */
import { mkdirSync } from 'node:fs'
import type { MountSpec } from '../../client/protocol.js'
import type { CountedMount } from '../store/image-mounts.js'
import type { Services } from './services.js'

export async function acquire(
  s: Services,
  current: CountedMount | null | undefined,
  target: string,
  spec: Omit<MountSpec, 'readonly'>,
): Promise<CountedMount> {
  if (current && (await isLive(s, current))) return { ...current, count: current.count + 1 }
  mkdirSync(target, { recursive: true, mode: 0o755 })
  const m = await s.mounts.create({ target, spec: { ...spec, readonly: !spec.upperdir } })
  return { id: m.id, target: m.target, count: 1 }
}

/** One release; the mount as it is afterwards (null once unmounted). */
export async function release(
  s: Services,
  current: CountedMount | null | undefined,
  force: boolean,
): Promise<CountedMount | null> {
  if (!current) return null
  if (current.count > 1 && !force) return { ...current, count: current.count - 1 }
  if (await isLive(s, current)) await s.mounts.remove(current.id, force)
  return null
}

async function isLive(s: Services, m: CountedMount): Promise<boolean> {
  return (await s.mounts.list()).some((x) => x.id === m.id)
}
