/**
 * mount.create: mount a layer stack at a host path through a supervised worker (root only). The
 * params check gave the shape; whether each path is absolute, a directory and safe is the
 * supervisor's check.
 */
import type { ApiMethod } from './params.js'
import type { Services } from './services.js'

export const mountCreate = (s: Services): ApiMethod<'mount.create'> => ({
  rootOnly: true,
  handler: (p) => s.mounts.create({ ...p, volatile: p.volatile === true }),
})
