/**
 * Commit (`docker commit`): the container's upper/ becomes a new layer (copied as the layer its
 * deterministic tar would give, diff/upper-layer.ts) and a new image (commit-image.ts); no
 * changes give an `empty_layer` history entry and no layer. In two steps, as layers are:
 * `stageCommit` outside the metadata queue (a mounted container is paused while upper/ is read,
 * then resumed), `recordCommit` under it (layer, image and tags in one batch); `discardCommit`
 * afterwards, whatever happened.
 * Errors: NOT_FOUND when the container's image is gone; INVALID_ARGUMENT for a bad change;
 *   UNAVAILABLE when the pause ran out (or the container was unmounted by force) mid-copy.
 * Tests: test/integration/container-commit.test.ts, test/integration/containers.test.ts
 */
import { readdirSync } from 'node:fs'
import { copyUpper } from '../diff/upper-layer.js'
import { notFound, unavailable } from '../errors.js'
import type { LayerStore, StagedLayer } from '../layers/layer-store.js'
import type { ContainerRecord } from '../store/containers.js'
import { applyChanges } from '../store/dockerfile-change.js'
import { parseConfig } from '../store/image-config.js'
import type { ImageRecord, ImageStore } from '../store/images.js'
import type { MetadataLock } from '../store/metadata-queue.js'
import { commitConfig, commitRecord } from './commit-image.js'
import type { MountControl } from './mount-control.js'
import type { ContainerPaths } from './paths.js'

export interface CommitOptions {
  author?: string | undefined
  message?: string | undefined
  /** Dockerfile instructions applied to the config (CMD, ENV, …). */
  changes: string[]
  /** Hold a mounted container's writes while upper/ is read. */
  pause: boolean
}

export interface StagedCommit {
  image: ImageRecord
  /** The new layer; none when upper/ is empty. */
  layer: StagedLayer | undefined
}

/** The references the new image is tagged with (as ImageStore.add takes them). */
export type CommitTags = NonNullable<Parameters<ImageStore['add']>[3]>

export interface CommitParts {
  images: ImageStore
  layers: LayerStore
  mounts: MountControl
}

export async function stageCommit(
  parts: CommitParts,
  c: ContainerRecord,
  paths: ContainerPaths,
  opts: CommitOptions,
  signal: AbortSignal,
): Promise<StagedCommit> {
  const base = await parts.images.get(c.imageId)
  if (!base) throw notFound(`the image of container ${c.name} is gone`)
  const baseConfig = parseConfig(Buffer.from(base.config))
  const config = applyChanges(baseConfig.config, opts.changes)
  const layer = await stageUpper(parts, c, paths.upper, opts.pause, signal)
  try {
    const message = { container: c.name, author: opts.author, comment: opts.message }
    return { image: commitRecord(base, commitConfig(baseConfig, config, message, layer?.layer), layer?.layer), layer }
  } catch (err) {
    if (layer) parts.layers.discard([layer])
    throw err
  }
}

/** Records the staged layer (if any), the image and its tags in one batch. */
export async function recordCommit(
  lock: MetadataLock,
  parts: CommitParts,
  staged: StagedCommit,
  tags: CommitTags,
): Promise<void> {
  lock.check()
  if (staged.layer)
    await parts.layers.record(lock, [staged.layer], (ops) => parts.images.add(lock, staged.image, ops, tags))
  else await parts.images.add(lock, staged.image, [], tags)
}

export function discardCommit(parts: CommitParts, staged: StagedCommit): void {
  if (staged.layer) parts.layers.discard([staged.layer])
}

/**
 * The upper layer as a staged layer (none when it is empty), the container paused meanwhile. A
 * pause that ran out before the copy ended (the daemon's event loop gave no renewal for 5 s) is
 * no snapshot: the layer is dropped and the commit fails.
 */
async function stageUpper(
  parts: CommitParts,
  c: ContainerRecord,
  upper: string,
  pause: boolean,
  signal: AbortSignal,
): Promise<StagedLayer | undefined> {
  const stage = async (signal: AbortSignal) =>
    readdirSync(upper).length
      ? await parts.layers.stageFrom(c.topLayer, (diff, split) => copyUpper(upper, diff, split, signal), { signal })
      : undefined
  if (!c.mount || !pause) return stage(signal)
  return parts.mounts.whilePaused(c.mount.id, async (hold) => {
    const layer = await stage(AbortSignal.any([signal, hold.signal]))
    if (hold.isHeld()) return layer
    if (layer) parts.layers.discard([layer])
    throw unavailable(
      `container ${c.name} was resumed before its writable layer was read whole (its pause was ` +
        'not renewed in time); nothing was committed',
    )
  })
}
