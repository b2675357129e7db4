/** image.remove: `docker rmi` — untag, or delete the image and the layers nothing else uses. */
import type { ApiMethod } from './params.js'
import type { Services } from './services.js'

export const imageRemove = (s: Services): ApiMethod<'image.remove'> => ({
  handler: async (p) =>
    s.metadata.add(async (lock) => (await s.images.remove(lock, p.image, p.force === true, p.noPrune === true)).events),
})
