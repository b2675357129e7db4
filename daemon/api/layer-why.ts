/**
 * layer.why: what keeps a layer — its direct referrers as refs.ts defines them (child layers,
 * images whose top it is) and every image whose chain contains it. The layer is named by its
 * chainID or diffID, in full or by a unique hex prefix.
 */
import type { LayerWhy } from '../../client/protocol.js'
import { conflict, notFound } from '../errors.js'
import type { LayerRecord } from '../store/layer-records.js'
import { refcountKey } from '../store/keys.js'
import type { ApiMethod } from './params.js'
import type { Services } from './services.js'

export const layerWhy = (s: Services): ApiMethod<'layer.why'> => ({
  handler: async ({ layer: input }): Promise<LayerWhy> => {
    const layers: LayerRecord[] = []
    for await (const l of s.layers.walk()) layers.push(l)
    const layer = find(layers, input)
    const [images, byId] = await Promise.all([s.images.list(), s.images.namesById()])
    const names = (id: string) => byId.get(id) ?? []
    const layerById = new Map(layers.map((l) => [l.chainId, l]))
    const contains = (top: string | null) => {
      for (let cur = top; cur; cur = layerById.get(cur as LayerRecord['chainId'])?.parent ?? null)
        if (cur === layer.chainId) return true
      return false
    }
    return {
      layer: { ...layer },
      refcount: (await s.db.get<number>(refcountKey(layer.chainId))) ?? 0,
      referrers: [
        ...layers
          .filter((l) => l.parent === layer.chainId)
          .map((l) => ({ kind: 'layer' as const, id: l.chainId, names: [] })),
        ...images
          .filter((i) => i.topLayer === layer.chainId)
          .map((i) => ({ kind: 'image' as const, id: i.id, names: names(i.id) })),
      ],
      images: images.filter((i) => contains(i.topLayer)).map((i) => ({ id: i.id, names: names(i.id) })),
    }
  },
})

function find(layers: LayerRecord[], input: string): LayerRecord {
  const hex = input.replace(/^sha256:/, '')
  if (!/^[0-9a-f]{1,64}$/.test(hex)) throw notFound(`No such layer: ${input}`)
  for (const field of ['chainId', 'diffId'] as const) {
    const matches = layers.filter((l) => l[field].startsWith(`sha256:${hex}`))
    if (matches.length > 1) throw conflict(`layer ID prefix ${input} is ambiguous`)
    if (matches[0]) return matches[0]
  }
  throw notFound(`No such layer: ${input}`)
}
