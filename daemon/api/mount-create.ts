/** mount.create: mount a layer stack at a host path through a supervised worker (root only). */
import type { MountCreateParams, MountSpec } from '../../client/protocol.js'
import type { MethodDef } from '../rpc/dispatch.js'
import { checkParams, nested, nonEmpty, onlyIfTrue, optionalPath, textList } from './params.js'
import type { Services } from './services.js'

/** The shape only: whether each path is absolute, a directory and safe is the supervisor's check. */
const spec = nested<MountSpec>({
  lowerdirs: (v, key, method) => textList(v, key, method) ?? [],
  upperdir: optionalPath,
  workdir: optionalPath,
  journal: optionalPath,
  readonly: onlyIfTrue,
})

export const mountCreate = (s: Services): MethodDef => ({
  rootOnly: true,
  handler: (params) =>
    s.mounts.create(
      checkParams<MountCreateParams>(params, 'mount.create', { target: nonEmpty, spec, volatile: onlyIfTrue }),
    ),
})
