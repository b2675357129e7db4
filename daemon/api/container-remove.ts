/** container.remove: `docker rm` — refused while mounted unless forced (then unmounted first). */
import { withContainer } from './container-call.js'
import type { ApiMethod } from './params.js'
import type { Services } from './services.js'

export const containerRemove = (s: Services): ApiMethod<'container.remove'> => ({
  handler: async (p) =>
    withContainer(s, p.container, async (c, lock) => {
      await s.containers.remove(lock, c, p.force === true)
      return { id: c.id }
    }),
})
