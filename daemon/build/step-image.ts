/**
 * The image one build step makes: the parent's config (or an empty one for `FROM scratch`) with
 * the step's container config, one history entry more (`created_by` is the step's cache key,
 * step-cache.ts; `empty_layer` when it made no layer) and the new layer's diffID; its record is a
 * child of the parent, as the classic builder's intermediate images are.
 * Pure: no I/O; its result depends on its inputs and the clock.
 * Tests: test/unit/build/step-image.test.ts
 */
import { sha256 } from '../digests.js'
import type { StagedLayer } from '../layers/layer-store.js'
import { encodeConfig, ociArch, type ContainerConfig, type ImageConfig } from '../store/image-config.js'
import type { ImageRecord } from '../store/images.js'

type NewLayer = Pick<StagedLayer['layer'], 'diffId' | 'chainId' | 'size'>

/** What `FROM scratch` starts from: no layers, no history, an empty container config. */
export function scratchConfig(created = new Date().toISOString()): ImageConfig {
  return {
    architecture: ociArch(),
    config: {},
    created,
    history: [],
    os: 'linux',
    rootfs: { type: 'layers', diff_ids: [] },
  }
}

export interface StepChange {
  config: ContainerConfig
  createdBy: string
  layer: NewLayer | undefined
  /** MAINTAINER sets the image's author. */
  author?: string
}

/** The child image of `parent` (null: scratch) that a step makes. */
export function stepImage(
  parent: ImageRecord | null,
  parentConfig: ImageConfig,
  change: StepChange,
  created = new Date().toISOString(),
): ImageRecord {
  const author = change.author ?? parentConfig.author
  const cfg: ImageConfig = {
    ...parentConfig,
    ...(author ? { author } : {}),
    config: change.config,
    created,
    history: [
      ...parentConfig.history,
      { created, created_by: change.createdBy, ...(change.layer ? {} : { empty_layer: true }) },
    ],
    rootfs: {
      type: 'layers',
      diff_ids: [...parentConfig.rootfs.diff_ids, ...(change.layer ? [change.layer.diffId] : [])],
    },
  }
  const bytes = encodeConfig(cfg)
  return {
    id: sha256(bytes),
    config: bytes,
    topLayer: change.layer?.chainId ?? parent?.topLayer ?? null,
    size: (parent?.size ?? 0) + (change.layer?.size ?? 0),
    created,
    parent: parent?.id ?? null,
    digests: [],
    addedAt: new Date().toISOString(),
  }
}
