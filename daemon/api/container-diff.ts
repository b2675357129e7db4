/**
 * container.diff: `docker diff` — A/C/D of the writable layer against the image (diff/changes.ts),
 * from the paths its mount worker journaled when the journal is usable, else by walking upper/.
 */
import { join } from 'node:path'
import type { ContainerChange } from '../../client/protocol.js'
import { changesOf } from '../diff/changes.js'
import { readJournal } from '../diff/journal.js'
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
    const dir = s.containers.dirOf(c.id)
    return changesOf(join(dir, 'upper'), lowers, 'trusted', readJournal(join(dir, 'journal')))
  },
})
