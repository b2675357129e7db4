/**
 * Mounting a container (`container mount` / `unmount`): its root filesystem read-write through a
 * supervised worker (mount-spec.ts), at its merged/ unless a path is given; counted
 * (counted-mount.ts), and the count is part of its record.
 * Errors: INVALID_ARGUMENT when it is mounted at another path than the one asked for, or for a
 *   path no mount may take (mounts/mount-target.ts: the data root, system directories, …).
 * Concurrency: under the metadata queue (the lock): the count is read, changed and written back.
 * Tests: test/integration/containers.test.ts, test/integration/daemon-mounts.test.ts
 */
import { invalidArgument } from '../errors.js'
import type { ContainerRecord, ContainerStore } from '../store/containers.js'
import type { MetadataLock } from '../store/metadata-queue.js'
import { acquire, release, type Mounts } from './counted-mount.js'
import { containerSpec, type LayerDirs } from './mount-spec.js'
import { containerPaths } from './paths.js'

export interface MountParts {
  records: ContainerStore
  layers: LayerDirs
  mounts: Mounts
}

/** Mounts (or counts one more mount of) the container; its mount path. */
export async function mountContainer(
  lock: MetadataLock,
  parts: MountParts,
  c: ContainerRecord,
  target: string | undefined,
): Promise<string> {
  if (c.mount && target && target !== c.mount.target)
    throw invalidArgument(`container ${c.name} is already mounted at ${c.mount.target}`)
  const paths = containerPaths(parts.records.dirOf(c.id))
  const spec = await containerSpec(parts.layers, c.topLayer, paths)
  const where = target ?? c.mount?.target ?? paths.merged
  const m = await acquire(parts.mounts, c.mount, where, spec, where === paths.merged)
  await parts.records.setMount(lock, c, m)
  return m.target
}

/** Releases one mount (all when forced); the record as it is afterwards. */
export async function unmountContainer(
  lock: MetadataLock,
  parts: MountParts,
  c: ContainerRecord,
  force: boolean,
): Promise<ContainerRecord> {
  return parts.records.setMount(lock, c, await release(parts.mounts, c.mount, force))
}
