/**
 * The image a commit makes: the base image's config with the changes applied, one history entry
 * more (`strata commit <name>`, author and comment when given; `empty_layer` when nothing
 * changed) and the new layer's diffID; its record points at the new layer (or the base's top).
 * Pure: no I/O, so its result depends only on its inputs and the clock.
 * Tests: test/unit/containers/commit-image.test.ts
 */
import { sha256 } from '../digests.js'
import type { StagedLayer } from '../layers/layer-store.js'
import type { HistoryEntry, ImageConfig } from '../store/image-config.js'
import { encodeConfig } from '../store/image-config.js'
import type { ImageRecord } from '../store/images.js'

type NewLayer = StagedLayer['layer']

export interface CommitMessage {
  /** The container's name, for the history entry. */
  container: string
  author?: string | undefined
  comment?: string | undefined
}

/** The new config: `config` is the base's container config with the Dockerfile changes applied. */
export function commitConfig(
  base: ImageConfig,
  config: ImageConfig['config'],
  m: CommitMessage,
  layer: Pick<NewLayer, 'diffId'> | undefined,
  created = new Date().toISOString(),
): ImageConfig {
  const { author, comment } = m
  const entry: HistoryEntry = {
    created,
    created_by: `strata commit ${m.container}`,
    ...(author ? { author } : {}),
    ...(comment ? { comment } : {}),
    ...(layer ? {} : { empty_layer: true }),
  }
  const { author: _a, comment: _c, ...rest } = base
  return {
    ...rest,
    ...(author ? { author } : {}),
    ...(comment ? { comment } : {}),
    created,
    config,
    history: [...base.history, entry],
    rootfs: { type: 'layers', diff_ids: [...base.rootfs.diff_ids, ...(layer ? [layer.diffId] : [])] },
  }
}

/** The image record of `cfg`, a child of `base` with `layer` (if any) on top. */
export function commitRecord(
  base: ImageRecord,
  cfg: ImageConfig,
  layer: Pick<NewLayer, 'chainId' | 'size'> | undefined,
): ImageRecord {
  const bytes = encodeConfig(cfg)
  return {
    id: sha256(bytes),
    config: bytes,
    topLayer: layer?.chainId ?? base.topLayer,
    size: base.size + (layer?.size ?? 0),
    created: cfg.created,
    parent: base.id,
    digests: [],
    addedAt: new Date().toISOString(),
  }
}
