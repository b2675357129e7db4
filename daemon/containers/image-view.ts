/**
 * Image views (`image mount` / `unmount`): an image's layers mounted read-only, at
 * image-mounts/<id hex> under the data root unless a path is given; counted like a container's
 * mount, the count kept in store/image-mounts.ts.
 * Errors: INVALID_ARGUMENT for an image without layers, or one mounted at another path.
 * Concurrency: under the metadata queue (the lock).
 * Tests: test/integration/containers.test.ts
 */
import { join } from 'node:path'
import { invalidArgument } from '../errors.js'
import { hexOf } from '../digests.js'
import type { ImageMounts } from '../store/image-mounts.js'
import type { ImageRecord } from '../store/images.js'
import type { MetadataLock } from '../store/metadata-queue.js'
import { acquire, release, type Mounts } from './counted-mount.js'
import { viewSpec, type LayerDirs } from './mount-spec.js'

export interface ViewParts {
  root: string
  imageMounts: ImageMounts
  layers: LayerDirs
  mounts: Mounts
}

/** Mounts (or counts one more mount of) the image's view; its mount path. */
export async function mountView(
  lock: MetadataLock,
  parts: ViewParts,
  image: ImageRecord,
  target: string | undefined,
): Promise<string> {
  lock.check()
  if (!image.topLayer) throw invalidArgument(`image ${image.id.slice(7, 19)} has no layers to mount`)
  const current = await parts.imageMounts.get(image.id)
  if (current && target && target !== current.target)
    throw invalidArgument(`image ${image.id.slice(7, 19)} is already mounted at ${current.target}`)
  const spec = await viewSpec(parts.layers, image.topLayer)
  const ownPlace = join(parts.root, 'image-mounts', hexOf(image.id))
  const where = target ?? current?.target ?? ownPlace
  const m = await acquire(parts.mounts, current, where, spec, where === ownPlace)
  await parts.imageMounts.set(image.id, m)
  return m.target
}

/** Releases one mount of the view (all when forced); whether it is still mounted. */
export async function unmountView(
  lock: MetadataLock,
  parts: ViewParts,
  image: ImageRecord,
  force: boolean,
): Promise<boolean> {
  lock.check()
  const m = await release(parts.mounts, await parts.imageMounts.get(image.id), force)
  await parts.imageMounts.set(image.id, m)
  return m !== null
}
