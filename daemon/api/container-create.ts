/** container.create: `docker create` without a process — a writable layer on an image, named. */
import type { ApiMethod } from './params.js'
import type { Services } from './services.js'

export const containerCreate = (s: Services): ApiMethod<'container.create'> => ({
  handler: async (p) =>
    s.metadata.add(async (lock) => {
      const c = await s.containers.create(lock, p.image, p.name || undefined) // '' asks for a generated name
      return { id: c.id, name: c.name }
    }),
})
