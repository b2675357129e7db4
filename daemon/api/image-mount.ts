/**
 * image.mount / image.unmount (containers/image-view.ts): a read-only view of an image's layers,
 * at image-mounts/<id hex> under the data root unless a path is given (root only); counted.
 */
import { targetParam, type ApiMethod } from './params.js'
import type { Services } from './services.js'

export const imageMount = (s: Services): ApiMethod<'image.mount'> => ({
  handler: async (p, ctx) => {
    const target = targetParam(p.target, ctx.peer.uid)
    return s.metadata.add(async (lock) => {
      const { image } = await s.images.resolve(p.image)
      return { path: await s.containers.mountView(lock, image, target) }
    })
  },
})

export const imageUnmount = (s: Services): ApiMethod<'image.unmount'> => ({
  handler: async (p) =>
    s.metadata.add(async (lock) => {
      const { image } = await s.images.resolve(p.image)
      return { mounted: await s.containers.unmountView(lock, image, p.force === true) }
    }),
})
