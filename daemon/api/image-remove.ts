/** image.remove: `docker rmi` — untag, or delete the image and the layers nothing else uses. */
import type { MethodDef } from '../rpc/dispatch.js'
import { boolParam, objectParams, stringParam } from './params.js'
import type { Services } from './services.js'

export const imageRemove = (s: Services): MethodDef => ({
  handler: async (params) => {
    const p = objectParams(params, 'image.remove')
    const image = stringParam(p, 'image', 'image.remove')
    const force = boolParam(p, 'force', 'image.remove')
    const noPrune = boolParam(p, 'noPrune', 'image.remove')
    return s.metadata.add(async (lock) => (await s.images.remove(lock, image, force, noPrune)).events)
  },
})
