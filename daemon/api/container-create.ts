/**
 * container.create: `docker create` — a writable layer on an image, named, without a process yet;
 * run options given are kept for its first start (bind mounts, `volumes`, are root only).
 */
import { permissionDenied } from '../errors.js'
import type { ApiMethod } from './params.js'
import type { Services } from './services.js'

export const containerCreate = (s: Services): ApiMethod<'container.create'> => ({
  handler: async (p, ctx) => {
    const { image, name, ...options } = p
    if (options.volumes?.length && ctx.peer.uid !== 0) throw permissionDenied('bind mounts (-v) are for root only')
    const runOptions = Object.keys(options).length ? options : undefined
    return s.metadata.add(async (lock) => {
      const c = await s.containers.create(lock, image, name || undefined, runOptions) // '' asks for a generated name
      return { id: c.id, name: c.name }
    })
  },
})
