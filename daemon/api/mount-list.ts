/** mount.list: every supervised mount with its state and worker pid. */
import type { ApiMethod } from './params.js'
import type { Services } from './services.js'

export const mountList = (s: Services): ApiMethod<'mount.list'> => ({
  handler: () => s.mounts.list(),
})
