/**
 * The preamble the container methods share, after their params are checked (params.ts): under
 * the metadata queue, the container named is resolved and handed on with the queue's lock, which
 * every container change requires (store/metadata-queue.ts).
 */
import type { ContainerRecord } from '../store/containers.js'
import type { MetadataLock } from '../store/metadata-queue.js'
import type { Services } from './services.js'

export function withContainer<T>(
  s: Services,
  name: string,
  fn: (c: ContainerRecord, lock: MetadataLock) => Promise<T>,
): Promise<T> {
  return s.metadata.add(async (lock) => fn(await s.containers.resolve(name), lock))
}
