/**
 * `system df`: what images and layers take on disk (disk-usage.ts bytes, each layer counted
 * once however many images share it), what is shared, and what pruning would give back:
 * reclaimable is the bytes of layers that no image in use needs, not a sum of image sizes.
 * Containers: their writable layers; reclaimable is what the unmounted ones take.
 * The per-image rows (`df -v`) are content sizes, as Docker's are and as `images` shows them
 * (image-sizes.ts): SIZE is the image's, SHARED SIZE its layers other images use too.
 */
import type { SystemDf, UsageRow } from '../../client/protocol.js'
import type { ChainId } from '../digests.js'
import type { ImageRecord } from './images.js'
import { contentBytesOf, type LayerRecord } from './layer-records.js'

export interface UsageInput {
  images: ImageRecord[]
  layers: LayerRecord[]
  tagsOf(imageId: string): string[]
  /** Every container: its image, whether it is mounted, and its writable layer's bytes on disk. */
  containers: Array<{ imageId: string; mounted: boolean; bytes: number }>
}

export function usageOf(u: UsageInput): SystemDf {
  const byId = new Map(u.layers.map((l) => [l.chainId, l]))
  const chains = new Map(u.images.map((i) => [i.id, chainOf(i.topLayer, byId)]))
  const users = new Map<ChainId, string[]>()
  for (const [id, chain] of chains) for (const l of chain) users.set(l, [...(users.get(l) ?? []), id])
  const containersOf = (imageId: string) => u.containers.filter((c) => c.imageId === imageId).length
  const inUse = (imageId: string) => containersOf(imageId) > 0
  const bytes = (ids: Iterable<ChainId>) => [...ids].reduce((n, id) => n + (byId.get(id)?.diskBytes ?? 0), 0)
  const content = (ids: ChainId[]) => ids.reduce((n, id) => n + contentOf(byId.get(id)), 0)
  const needed = new Set([...users].filter(([, imgs]) => imgs.some(inUse)).map(([l]) => l))
  const imageLayers = [...users.keys()]
  return {
    images: row(
      u.images.length,
      u.images.filter((i) => inUse(i.id)).length,
      bytes(imageLayers),
      bytes(imageLayers.filter((l) => !needed.has(l))),
    ),
    containers: row(
      u.containers.length,
      u.containers.filter((c) => c.mounted).length,
      u.containers.reduce((n, c) => n + c.bytes, 0),
      u.containers.filter((c) => !c.mounted).reduce((n, c) => n + c.bytes, 0),
    ),
    layers: row(u.layers.length, users.size, bytes(byId.keys()), bytes([...byId.keys()].filter((l) => !needed.has(l)))),
    imageDetails: u.images.map((i) => {
      const chain = chains.get(i.id) ?? []
      const size = content(chain)
      const shared = content(chain.filter((l) => (users.get(l)?.length ?? 0) > 1))
      return {
        id: i.id,
        repoTags: u.tagsOf(i.id),
        created: i.created,
        size,
        sharedSize: shared,
        uniqueSize: size - shared,
        containers: containersOf(i.id),
      }
    }),
  }
}

const contentOf = (l: LayerRecord | undefined): number => (l ? contentBytesOf(l) : 0)

const row = (total: number, active: number, size: number, reclaimable: number): UsageRow => ({
  total,
  active,
  size,
  reclaimable,
})

function chainOf(top: ChainId | null, byId: Map<ChainId, LayerRecord>): ChainId[] {
  const out: ChainId[] = []
  for (let cur = top; cur !== null && out.length < 10_000;) {
    out.push(cur)
    cur = byId.get(cur)?.parent ?? null
  }
  return out
}
