/**
 * container.export: `docker export` (containers/export.ts) — the container's merged filesystem
 * as a tar (download). The container and its layers are leased while it streams: an `rm -f`
 * meanwhile removes the record at once and the directories when the export ends.
 */
import { whileLeased } from '../containers/lease.js'
import { sendStream } from '../rpc/send-stream.js'
import { withContainer } from './container-call.js'
import type { ApiMethod } from './params.js'
import type { Services } from './services.js'

export const containerExport = (s: Services): ApiMethod<'container.export'> => ({
  download: true,
  handler: async (p, ctx) => {
    const leased = await withContainer(s, p.container, (c, lock) => s.containers.lease(lock, c))
    return whileLeased(leased, async (l) => ({ bytes: await sendStream(ctx, s.containers.tar(l)) }))
  },
})
