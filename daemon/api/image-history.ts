/**
 * image.history: the config's history, newest first. Entries that made a layer get its size. Each
 * row names the local image that ends there, with its tags (store/image-ancestors.ts: this image
 * on the newest row, a parent such as the image a commit was made from on its own newest row);
 * rows no local image ends at are `<missing>`, as Docker shows them.
 * Tests: test/integration/image-history.test.ts
 */
import type { ImageHistoryItem } from '../../client/protocol.js'
import { historyOwners, type HistoryImage } from '../store/image-ancestors.js'
import { parseConfig } from '../store/image-config.js'
import type { ImageRecord } from '../store/images.js'
import { contentBytesOf } from '../store/layer-records.js'
import type { ApiMethod } from './params.js'
import type { Services } from './services.js'

export const imageHistory = (s: Services): ApiMethod<'image.history'> => ({
  handler: async (p): Promise<ImageHistoryItem[]> => {
    const { image } = await s.images.resolve(p.image)
    const c = parseConfig(Buffer.from(image.config))
    const layers = await s.layers.baseFirst(image.topLayer)
    // Only an image whose top layer is in this chain (or that has none) can end at one of its rows.
    const chain = new Set<string>(layers.map((l) => l.chainId))
    const local = (await s.images.list()).filter((i) => i.topLayer === null || chain.has(i.topLayer)).map(historyImage)
    const owners = historyOwners({ id: image.id, parent: image.parent, config: c }, local)
    const names = await s.images.namesById()
    let layer = 0
    const items = c.history.map((h, k) => {
      const made = h.empty_layer ? undefined : layers[layer++]
      const size = made ? contentBytesOf(made) : 0
      const id = owners[k]
      return {
        id: id ?? '<missing>',
        created: h.created ?? '',
        createdBy: h.created_by ?? '',
        size,
        comment: h.comment ?? '',
        tags: id ? (names.get(id) ?? []) : [],
      }
    })
    return items.reverse()
  },
})

const historyImage = (i: ImageRecord): HistoryImage => ({
  id: i.id,
  parent: i.parent,
  config: parseConfig(Buffer.from(i.config)),
})
