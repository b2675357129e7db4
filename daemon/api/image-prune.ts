/**
 * image.prune: `docker image prune` — dangling images (untagged, no children), or with `all`
 * every image no container uses; filters `until=` and `label=`/`label!=` narrow the choice.
 */
import type { ImagePruneResult } from '../../client/protocol.js'
import { invalidArgument } from '../errors.js'
import { parseConfig } from '../store/image-config.js'
import { pruneImages } from '../store/prune.js'
import { labelsMatch, untilCutoff } from './image-filters.js'
import type { ApiMethod } from './params.js'
import type { Services } from './services.js'

const FILTERS = ['until', 'label', 'label!']

export const imagePrune = (s: Services): ApiMethod<'image.prune'> => ({
  handler: async (p): Promise<ImagePruneResult> => {
    const filters = p.filters ?? {}
    for (const k of Object.keys(filters)) if (!FILTERS.includes(k)) throw invalidArgument(`invalid filter '${k}'`)
    const until = filters.until?.[0] !== undefined ? untilCutoff(filters.until[0]) : undefined
    const r = await s.metadata.add((lock) =>
      pruneImages(lock, s.images, (image, tagged) => {
        if (!p.all && tagged) return false
        if (until && image.created >= until) return false
        return labelsMatch(parseConfig(Buffer.from(image.config)).config.Labels ?? {}, filters)
      }),
    )
    return { deleted: r.events, reclaimed: r.reclaimed }
  },
})
