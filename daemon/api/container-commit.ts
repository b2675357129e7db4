/**
 * container.commit: `docker commit` — the container's writable layer becomes a new layer (upper/
 * copied as the layer its deterministic tar would give, diff/upper-layer.ts) and a new image
 * whose config and history gain the entry; no changes give an `empty_layer` history entry and
 * no layer. A mounted container is paused while its upper layer is read, then resumed. The
 * layer is staged outside the metadata queue; layer, image and tag are one batch inside it.
 */
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import type { ContainerCommitParams } from '../../client/protocol.js'
import { copyUpper } from '../diff/upper-layer.js'
import { notFound } from '../errors.js'
import { sha256 } from '../digests.js'
import type { StagedLayer } from '../layers/layer-store.js'
import { parseReference } from '../reference.js'
import type { MethodDef } from '../rpc/dispatch.js'
import type { ContainerRecord } from '../store/containers.js'
import { applyChanges } from '../store/dockerfile-change.js'
import { encodeConfig, parseConfig, type HistoryEntry, type ImageConfig } from '../store/image-config.js'
import type { ImageRecord } from '../store/images.js'
import { objectParams, stringParam } from './params.js'
import type { Services } from './services.js'

export const containerCommit = (s: Services): MethodDef => ({
  handler: async (params, ctx) => {
    const p = objectParams(params, 'container.commit') as unknown as ContainerCommitParams
    const c = await s.containers.resolve(
      stringParam(p as unknown as Record<string, unknown>, 'container', 'container.commit'),
    )
    const ref = typeof p.ref === 'string' && p.ref ? parseReference(p.ref) : undefined
    const base = await s.images.get(c.imageId)
    if (!base) throw notFound(`the image of container ${c.name} is gone`)
    const baseConfig = parseConfig(Buffer.from(base.config))
    const config = applyChanges(baseConfig.config, Array.isArray(p.changes) ? p.changes.map(String) : [])
    const staged = await stageUpper(s, c, p.pause !== false, ctx.signal)
    try {
      const image = imageOf(base, newConfig(baseConfig, config, c, p, staged), staged)
      await s.metadata.add(async () => {
        ctx.signal.throwIfAborted()
        const tags = ref ? [ref] : []
        if (staged) await s.layers.record([staged], (ops) => s.images.add(image, ops, tags))
        else await s.images.add(image, [], tags)
      })
      return { id: image.id }
    } finally {
      if (staged) s.layers.discard([staged])
    }
  },
})

/** The upper layer as a staged layer (none when it is empty), the container paused meanwhile. */
async function stageUpper(
  s: Services,
  c: ContainerRecord,
  pause: boolean,
  signal: AbortSignal,
): Promise<StagedLayer | undefined> {
  const upper = join(s.containers.dirOf(c.id), 'upper')
  const stage = async () =>
    readdirSync(upper).length
      ? await s.layers.stageFrom(c.topLayer, (diff, split) => copyUpper(upper, diff, split, signal), { signal })
      : undefined
  return c.mount && pause ? s.mounts.whilePaused(c.mount.id, stage) : stage()
}

function newConfig(
  base: ImageConfig,
  config: ImageConfig['config'],
  c: ContainerRecord,
  p: ContainerCommitParams,
  staged: StagedLayer | undefined,
): ImageConfig {
  const created = new Date().toISOString()
  const author = typeof p.author === 'string' && p.author ? p.author : undefined
  const comment = typeof p.message === 'string' && p.message ? p.message : undefined
  const entry: HistoryEntry = {
    created,
    created_by: `strata commit ${c.name}`,
    ...(author ? { author } : {}),
    ...(comment ? { comment } : {}),
    ...(staged ? {} : { empty_layer: true }),
  }
  const { author: _a, comment: _c, ...rest } = base
  return {
    ...rest,
    ...(author ? { author } : {}),
    ...(comment ? { comment } : {}),
    created,
    config,
    history: [...base.history, entry],
    rootfs: { type: 'layers', diff_ids: [...base.rootfs.diff_ids, ...(staged ? [staged.layer.diffId] : [])] },
  }
}

function imageOf(base: ImageRecord, cfg: ImageConfig, staged: StagedLayer | undefined): ImageRecord {
  const bytes = encodeConfig(cfg)
  return {
    id: sha256(bytes),
    config: bytes,
    topLayer: staged?.layer.chainId ?? base.topLayer,
    size: base.size + (staged?.layer.size ?? 0),
    created: cfg.created,
    parent: base.id,
    digests: [],
    addedAt: new Date().toISOString(),
  }
}
