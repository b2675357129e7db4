/** container.diff: `docker diff` — A/C/D of the writable layer against the image (diff/changes.ts). */
import { join } from 'node:path'
import type { ContainerChange } from '../../client/protocol.js'
import { changesOf } from '../diff/changes.js'
import type { MethodDef } from '../rpc/dispatch.js'
import { lowerdirsOf } from './container-mount.js'
import { objectParams, stringParam } from './params.js'
import type { Services } from './services.js'

export const containerDiff = (s: Services): MethodDef => ({
  handler: async (params): Promise<ContainerChange[]> => {
    const c = await s.containers.resolve(
      stringParam(objectParams(params, 'container.diff'), 'container', 'container.diff'),
    )
    const lowers = c.topLayer ? await lowerdirsOf(s, c) : []
    return changesOf(join(s.containers.dirOf(c.id), 'upper'), lowers)
  },
})
