/** system.fsck: `strata fsck [--repair]` (store/fsck.ts); repairing is for root only. */
import type { FsckResult } from '../../client/protocol.js'
import { permissionDenied } from '../errors.js'
import { fsck } from '../store/fsck.js'
import type { ApiMethod } from './params.js'
import type { Services } from './services.js'

export const systemFsck = (s: Services): ApiMethod<'system.fsck'> => ({
  handler: async (p, ctx): Promise<FsckResult> => {
    const repair = p.repair === true
    if (repair && ctx.peer.uid !== 0) throw permissionDenied('fsck --repair is for root only')
    return s.metadata.add((lock) => fsck(lock, s.db, s.layers, s.containers.records, repair))
  },
})
