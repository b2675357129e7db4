/** container.create: `docker create` without a process — a writable layer on an image, named. */
import type { MethodDef } from '../rpc/dispatch.js'
import { objectParams, stringParam } from './params.js'
import type { Services } from './services.js'

export const containerCreate = (s: Services): MethodDef => ({
  handler: async (params) => {
    const p = objectParams(params, 'container.create')
    const image = stringParam(p, 'image', 'container.create')
    const name = typeof p.name === 'string' && p.name ? p.name : undefined
    return s.metadata.add(async (lock) => {
      const c = await s.containers.create(lock, image, name)
      return { id: c.id, name: c.name }
    })
  },
})
