/**
 * container.diff: `docker diff` (containers/diff.ts) — A/C/D of the writable layer against the
 * image. The container is leased under the metadata queue and read outside it.
 */
import type { ContainerChange } from '../../client/protocol.js'
import { whileLeased } from '../containers/lease.js'
import type { MethodDef } from '../rpc/dispatch.js'
import { withContainer } from './container-call.js'
import { objectParams, stringParam } from './params.js'
import type { Services } from './services.js'

export const containerDiff = (s: Services): MethodDef => ({
  handler: async (params): Promise<ContainerChange[]> => {
    const name = stringParam(objectParams(params, 'container.diff'), 'container', 'container.diff')
    const leased = await withContainer(s, name, (c, lock) => s.containers.lease(lock, c))
    return whileLeased(leased, async (l) => s.containers.changes(l))
  },
})
