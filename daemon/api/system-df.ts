/** system.df: `docker system df` — images, containers and layers on disk (store/usage.ts). */
import type { SystemDf } from '../../client/protocol.js'
import { usageOf } from '../store/usage.js'
import type { ApiMethod } from './params.js'
import type { Services } from './services.js'

export const systemDf = (s: Services): ApiMethod<'system.df'> => ({
  handler: async (): Promise<SystemDf> => {
    const [images, names] = await Promise.all([s.images.list(), s.images.namesById()])
    const layers = []
    for await (const l of s.layers.walk()) layers.push(l)
    return usageOf({
      images,
      layers,
      tagsOf: (id) => names.get(id) ?? [],
      containers: (await s.containers.list()).map((c) => ({
        imageId: c.imageId,
        mounted: c.mount !== null,
        bytes: s.containers.upperSize(c),
      })),
    })
  },
})
