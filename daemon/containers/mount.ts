/**
 * Mounting a container (`container mount` / `unmount`): its root filesystem read-write through a
 * supervised worker (mount-spec.ts), at its merged/ unless a path is given; counted
 * (counted-mount.ts), and the count is part of its record.
 * A running container's process holds one count (runs.ts: `start` takes it, the end of the process
 * gives it back), so an unmount may release the others but never that one: the process would be
 * left with a root filesystem that answers ENOTCONN. Docker refuses the same way.
 * Errors: INVALID_ARGUMENT when it is mounted at another path than the one asked for, or for a
 *   path no mount may take (mounts/mount-target.ts: the data root, system directories, …);
 *   IN_USE for an unmount that would take a running container's last count (forced or not).
 * Concurrency: under the metadata queue (the lock): the count is read, changed and written back.
 * Tests: test/integration/containers.test.ts, test/integration/daemon-mounts.test.ts,
 *   test/integration/container-run.test.ts
 */
import { invalidArgument, inUse } from '../errors.js'
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
  if (c.process?.monitor && c.mount && (force || c.mount.count <= 1))
    throw inUse(`container ${c.name} is running: stop it first`)
  return parts.records.setMount(lock, c, await release(parts.mounts, c.mount, force))
}
