/** container.remove: `docker rm` — refused while mounted unless forced (then unmounted first). */
import type { MethodDef } from '../rpc/dispatch.js'
import { withContainer } from './container-call.js'
import { boolParam, objectParams, stringParam } from './params.js'
import type { Services } from './services.js'

export const containerRemove = (s: Services): MethodDef => ({
  handler: async (params) => {
    const p = objectParams(params, 'container.remove')
    const name = stringParam(p, 'container', 'container.remove')
    const force = boolParam(p, 'force', 'container.remove')
    return withContainer(s, name, async (c, lock) => {
      await s.containers.remove(lock, c, force)
      return { id: c.id }
    })
  },
})
