/**
 * image.mount / image.unmount (containers/image-view.ts): a read-only view of an image's layers,
 * at image-mounts/<id hex> under the data root unless a path is given (root only); counted.
 */
import type { MethodDef } from '../rpc/dispatch.js'
import { boolParam, objectParams, stringParam, targetParam } from './params.js'
import type { Services } from './services.js'

export const imageMount = (s: Services): MethodDef => ({
  handler: async (params, ctx) => {
    const p = objectParams(params, 'image.mount')
    const name = stringParam(p, 'image', 'image.mount')
    const target = targetParam(p, ctx.peer.uid)
    return s.metadata.add(async (lock) => {
      const { image } = await s.images.resolve(name)
      return { path: await s.containers.mountView(lock, image, target) }
    })
  },
})

export const imageUnmount = (s: Services): MethodDef => ({
  handler: async (params) => {
    const p = objectParams(params, 'image.unmount')
    const name = stringParam(p, 'image', 'image.unmount')
    const force = boolParam(p, 'force', 'image.unmount')
    return s.metadata.add(async (lock) => {
      const { image } = await s.images.resolve(name)
      return { mounted: await s.containers.unmountView(lock, image, force) }
    })
  },
})
