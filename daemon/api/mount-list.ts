/** mount.list: every supervised mount with its state and worker pid. */
import type { MethodDef } from '../rpc/dispatch.js'
import type { Services } from './services.js'

export const mountList = (s: Services): MethodDef => ({
  handler: () => s.mounts.list(),
})
