/** image.tag: point TARGET at the image SOURCE names (`docker tag`). */
import { parseReference } from '../reference.js'
import type { ApiMethod } from './params.js'
import type { Services } from './services.js'

export const imageTag = (s: Services): ApiMethod<'image.tag'> => ({
  handler: async (p) => {
    const target = parseReference(p.target)
    return s.metadata.add(async (lock) => {
      const { image } = await s.images.resolve(p.source)
      await s.images.tag(lock, image.id, target)
      return { id: image.id }
    })
  },
})
