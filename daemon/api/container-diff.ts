/**
 * container.diff: `docker diff` (containers/diff.ts) — A/C/D of the writable layer against the
 * image. The container is leased under the metadata queue and read outside it.
 */
import type { ContainerChange } from '../../client/protocol.js'
import { whileLeased } from '../containers/lease.js'
import { withContainer } from './container-call.js'
import type { ApiMethod } from './params.js'
import type { Services } from './services.js'

export const containerDiff = (s: Services): ApiMethod<'container.diff'> => ({
  handler: async (p): Promise<ContainerChange[]> => {
    const leased = await withContainer(s, p.container, (c, lock) => s.containers.lease(lock, c))
    return whileLeased(leased, async (l) => s.containers.changes(l))
  },
})
