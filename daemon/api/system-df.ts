/** system.df: `docker system df` — images, containers and layers on disk (store/usage.ts). */
import { join } from 'node:path'
import type { SystemDf } from '../../client/protocol.js'
import { diskUsage } from '../disk-usage.js'
import type { MethodDef } from '../rpc/dispatch.js'
import { usageOf } from '../store/usage.js'
import type { Services } from './services.js'

export const systemDf = (s: Services): MethodDef => ({
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
        bytes: diskUsage(join(s.containers.dirOf(c.id), 'upper')),
      })),
    })
  },
})
