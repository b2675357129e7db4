/** mount.create: mount a layer stack at a host path through a supervised worker (root only). */
import type { MountCreateParams } from '../../client/protocol.js'
import type { MethodDef } from '../rpc/dispatch.js'
import { objectParams } from './params.js'
import type { Services } from './services.js'

export const mountCreate = (s: Services): MethodDef => ({
  rootOnly: true,
  handler: (params) => s.mounts.create(objectParams(params, 'mount.create') as unknown as MountCreateParams),
})
