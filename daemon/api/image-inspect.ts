/**
 * image.inspect: `docker image inspect` JSON (Id, RepoTags, RepoDigests, Parent, Config, RootFS,
 * GraphDriver as overlay2 shows an image's, …).
 * Tests: test/integration/cli-inspect.test.ts, test/integration/cli.test.ts
 */
import { imageGraphDriver } from './graph-driver.js'
import { parseConfig } from '../store/image-config.js'
import { contentBytesOf } from '../store/layer-records.js'
import type { ApiMethod } from './params.js'
import type { Services } from './services.js'

export const imageInspect = (s: Services): ApiMethod<'image.inspect'> => ({
  handler: async (p) => {
    const { image } = await s.images.resolve(p.image)
    const c = parseConfig(Buffer.from(image.config))
    const tags = await s.images.tagsOf(image.id)
    const chain = image.topLayer ? await s.layers.chain(image.topLayer) : []
    return {
      Id: image.id,
      RepoTags: tags,
      RepoDigests: image.digests,
      Parent: image.parent ?? '',
      Comment: c.comment ?? '',
      Created: c.created,
      Author: c.author ?? '',
      Config: c.config,
      Architecture: c.architecture,
      ...(c.variant ? { Variant: c.variant } : {}),
      Os: c.os,
      Size: chain.reduce((n, l) => n + contentBytesOf(l), 0),
      GraphDriver: await imageGraphDriver(s.layers, image.topLayer),
      RootFS: { Type: 'layers', Layers: c.rootfs.diff_ids },
      Metadata: { LastTagTime: image.addedAt },
    }
  },
})
