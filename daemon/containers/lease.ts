/**
 * A container opened for reading outside the metadata queue (diff, export): taken under the
 * queue, where the records are sure, with its directory and its layers' leased (daemon/leases.ts),
 * so an `rm -f` meanwhile removes the record at once and the directories when the reader is done.
 * Tests: test/integration/leases.test.ts
 */
import type { Release } from '../leases.js'
import type { ContainerRecord, ContainerStore } from '../store/containers.js'
import type { MetadataLock } from '../store/metadata-queue.js'
import { layerDirs, type LayerDirs } from './mount-spec.js'
import { containerPaths, type ContainerPaths } from './paths.js'

export interface LeasedContainer {
  record: ContainerRecord
  paths: ContainerPaths
  /** Its image's layer directories, top first; none for an image without layers. */
  layers: string[]
  /** Lets go of the lease (once; again does nothing). */
  release: Release
}

export async function leaseContainer(
  lock: MetadataLock,
  store: ContainerStore,
  layers: LayerDirs,
  c: ContainerRecord,
): Promise<LeasedContainer> {
  const dirs = await layerDirs(layers, c.topLayer)
  return { record: c, paths: containerPaths(store.dirOf(c.id)), layers: dirs, release: await store.lease(lock, c) }
}

/** Runs `read` on the leased container, then releases it. */
export async function whileLeased<T>(leased: LeasedContainer, read: (l: LeasedContainer) => Promise<T>): Promise<T> {
  try {
    return await read(leased)
  } finally {
    leased.release()
  }
}
