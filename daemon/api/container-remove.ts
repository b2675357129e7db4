/** container.remove: `docker rm` — refused while mounted unless forced (then unmounted first). */
import { inUse } from '../errors.js'
import type { MethodDef } from '../rpc/dispatch.js'
import { release } from './counted-mount.js'
import { boolParam, objectParams, stringParam } from './params.js'
import type { Services } from './services.js'

export const containerRemove = (s: Services): MethodDef => ({
  handler: async (params) => {
    const p = objectParams(params, 'container.remove')
    const name = stringParam(p, 'container', 'container.remove')
    const force = boolParam(p, 'force', 'container.remove')
    return s.metadata.add(async () => {
      let c = await s.containers.resolve(name)
      if (c.mount) {
        if (!force)
          throw inUse(`You cannot remove a mounted container ${c.id.slice(0, 12)}. Unmount it first, or use -f`)
        c = await s.containers.setMount(c, await release(s, c.mount, true))
      }
      await s.containers.remove(c)
      return { id: c.id }
    })
  },
})
