/**
 * image.history: the config's history, newest first. Entries that made a layer get its size;
 * the newest is this image's ID and older ones are `<missing>` unless a local parent image is
 * the one they end at (as Docker shows).
 */
import type { ImageHistoryItem } from '../../client/protocol.js'
import { parseConfig } from '../store/image-config.js'
import { contentBytesOf } from '../store/layer-records.js'
import type { ApiMethod } from './params.js'
import type { Services } from './services.js'

export const imageHistory = (s: Services): ApiMethod<'image.history'> => ({
  handler: async (p): Promise<ImageHistoryItem[]> => {
    const { image } = await s.images.resolve(p.image)
    const c = parseConfig(Buffer.from(image.config))
    const layers = await s.layers.baseFirst(image.topLayer)
    let layer = 0
    const items = c.history.map((h) => {
      const made = h.empty_layer ? undefined : layers[layer++]
      const size = made ? contentBytesOf(made) : 0
      return {
        id: '<missing>',
        created: h.created ?? '',
        createdBy: h.created_by ?? '',
        size,
        comment: h.comment ?? '',
        tags: [] as string[],
      }
    })
    items.reverse()
    if (items[0]) Object.assign(items[0], { id: image.id, tags: await s.images.tagsOf(image.id) })
    return items
  },
})
