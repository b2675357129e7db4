/** image.tag: point TARGET at the image SOURCE names (`docker tag`). */
import { parseReference } from '../reference.js'
import type { MethodDef } from '../rpc/dispatch.js'
import { objectParams, stringParam } from './params.js'
import type { Services } from './services.js'

export const imageTag = (s: Services): MethodDef => ({
  handler: async (params) => {
    const p = objectParams(params, 'image.tag')
    const source = stringParam(p, 'source', 'image.tag')
    const target = parseReference(stringParam(p, 'target', 'image.tag'))
    return s.metadata.add(async (lock) => {
      const { image } = await s.images.resolve(source)
      await s.images.tag(lock, image.id, target)
      return { id: image.id }
    })
  },
})
