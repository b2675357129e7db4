/**
 * Counted mounts, for containers and image views: the first `acquire` starts a supervised worker
 * (the supervisor makes the target, and takes it away again if the mount fails), later ones
 * return the same path and count; `release` lets go of one, and the last release (or
 * a forced one) unmounts. A recorded mount the supervisor no longer has (removed by hand with
 * `overlay rm`) counts as not mounted.
 * Concurrency: the caller holds the metadata queue and records the result.
 * Tests: test/unit/containers/counted-mount.test.ts
 */
import type { MountSpec } from '../../client/protocol.js'
import type { CountedMount } from '../store/image-mounts.js'
import type { MountControl } from './mount-control.js'

export type Mounts = Pick<MountControl, 'list' | 'create' | 'remove'>

export async function acquire(
  mounts: Mounts,
  current: CountedMount | null | undefined,
  target: string,
  spec: MountSpec,
  ownPlace: boolean,
): Promise<CountedMount> {
  if (current && (await isLive(mounts, current))) return { ...current, count: current.count + 1 }
  const m = await mounts.create({ target, spec }, { makeTarget: true, ownPlace })
  return { id: m.id, target: m.target, count: 1 }
}

/** One release; the mount as it is afterwards (null once unmounted). */
export async function release(
  mounts: Mounts,
  current: CountedMount | null | undefined,
  force: boolean,
): Promise<CountedMount | null> {
  if (!current) return null
  if (current.count > 1 && !force) return { ...current, count: current.count - 1 }
  if (await isLive(mounts, current)) await mounts.remove(current.id, force)
  return null
}

async function isLive(mounts: Mounts, m: CountedMount): Promise<boolean> {
  return (await mounts.list()).some((x) => x.id === m.id)
}
