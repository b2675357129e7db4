/**
 * image.load: a docker-archive or OCI layout tar (upload), like `docker load`, plain or compressed
 * in gzip, bzip2, xz or zstd as a whole (tar/decompress.ts tells which by its first bytes). The archive is
 * read in one pass with its layers unpacked into staging as they stream by (outside the metadata
 * queue); then all its images, layers and tags are recorded under the queue, one batch per image.
 * Anything wrong in the archive is INVALID_ARGUMENT and nothing stored changes. What its JSON
 * members cost (registry/archive-json.ts) is logged at debug level.
 * Tests: test/integration/compressed-archives.test.ts, test/integration/image-archive.test.ts
 */
import type { ImageLoadResult } from '../../client/protocol.js'
import type { ChainId } from '../digests.js'
import type { StagedLayer } from '../layers/layer-store.js'
import { decompress } from '../tar/decompress.js'
import { discardAll, readArchive } from '../registry/archive-read.js'
import { planArchive, type PlannedImage } from '../registry/archive-plan.js'
import { familiar } from '../reference.js'
import type { ImageRecord } from '../store/images.js'
import type { ApiMethod } from './params.js'
import type { Services } from './services.js'

export const imageLoad = (s: Services): ApiMethod<'image.load'> => ({
  upload: true,
  handler: async (_p, ctx): Promise<ImageLoadResult> => {
    const files = await readArchive(decompress(ctx.upload()), s.layers, ctx.signal)
    const copies: StagedLayer[] = []
    try {
      const plan = planArchive(files)
      const chains = await chainsOf(plan, s, copies)
      ctx.signal.throwIfAborted()
      await s.metadata.add(async (lock) => {
        for (const [i, p] of plan.entries()) {
          const chain = chains[i] as StagedLayer[]
          await s.layers.record(lock, chain, (ops) => s.images.add(lock, recordOf(p, chain), ops, p.tags))
        }
      })
      return { images: plan.map((p) => ({ id: p.id, tags: p.tags.map((t) => familiar(t)) })) }
    } finally {
      s.log.debug('image.load: archive JSON members', { ...files.json.accounting })
      discardAll(files, s.layers)
      s.layers.discard(copies)
    }
  },
})

/** Each image's layers with their chainIDs; a staged blob used on two different parents is copied. */
async function chainsOf(plan: PlannedImage[], s: Services, copies: StagedLayer[]): Promise<StagedLayer[][]> {
  const owner = new Map<string, ChainId>()
  const out: StagedLayer[][] = []
  for (const p of plan) {
    const chain: StagedLayer[] = []
    let parent: ChainId | null = null
    for (const blob of p.layers) {
      const mine = await s.layers.onParent(blob, parent, false)
      const taken = owner.get(blob.dir)
      const layer: StagedLayer =
        taken === undefined || taken === mine.layer.chainId ? mine : await s.layers.onParent(blob, parent, true)
      if (layer !== mine) copies.push(layer)
      else owner.set(blob.dir, mine.layer.chainId)
      chain.push(layer)
      parent = layer.layer.chainId
    }
    out.push(chain)
  }
  return out
}

function recordOf(p: PlannedImage, chain: StagedLayer[]): ImageRecord {
  return {
    id: p.id,
    config: p.config,
    topLayer: chain.at(-1)?.layer.chainId ?? null,
    size: chain.reduce((n, l) => n + l.layer.size, 0),
    created: p.created,
    parent: null,
    digests: [],
    addedAt: new Date().toISOString(),
  }
}
