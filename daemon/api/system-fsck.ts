/** system.fsck: `strata fsck [--repair]` (store/fsck.ts); repairing is for root only. */
import type { FsckResult } from '../../client/protocol.js'
import { permissionDenied } from '../errors.js'
import type { MethodDef } from '../rpc/dispatch.js'
import { fsck } from '../store/fsck.js'
import { boolParam, objectParams } from './params.js'
import type { Services } from './services.js'

export const systemFsck = (s: Services): MethodDef => ({
  handler: async (params, ctx): Promise<FsckResult> => {
    const repair = boolParam(objectParams(params, 'system.fsck'), 'repair', 'system.fsck')
    if (repair && ctx.peer.uid !== 0) throw permissionDenied('fsck --repair is for root only')
    return s.metadata.add((lock) => fsck(lock, s.db, s.layers, s.containers.records, repair))
  },
})
