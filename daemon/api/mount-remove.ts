/** mount.remove: unmount and forget a supervised mount; IN_USE when busy unless forced (root only). */
import type { ApiMethod } from './params.js'
import type { Services } from './services.js'

export const mountRemove = (s: Services): ApiMethod<'mount.remove'> => ({
  rootOnly: true,
  handler: async (p) => ({ id: await s.mounts.remove(p.mount, p.force === true) }),
})
