/** mount.remove: unmount and forget a supervised mount; IN_USE when busy unless forced (root only). */
import type { MethodDef } from '../rpc/dispatch.js'
import { boolParam, objectParams, stringParam } from './params.js'
import type { Services } from './services.js'

export const mountRemove = (s: Services): MethodDef => ({
  rootOnly: true,
  handler: async (params) => {
    const p = objectParams(params, 'mount.remove')
    const id = await s.mounts.remove(stringParam(p, 'mount', 'mount.remove'), boolParam(p, 'force', 'mount.remove'))
    return { id }
  },
})
