/**
 * container.export: `docker export` (containers/export.ts) — the container's merged filesystem
 * as a tar (download). The container and its layers are leased while it streams: an `rm -f`
 * meanwhile removes the record at once and the directories when the export ends.
 */
import { whileLeased } from '../containers/lease.js'
import type { MethodDef } from '../rpc/dispatch.js'
import { sendStream } from '../rpc/send-stream.js'
import { withContainer } from './container-call.js'
import { objectParams, stringParam } from './params.js'
import type { Services } from './services.js'

export const containerExport = (s: Services): MethodDef => ({
  download: true,
  handler: async (params, ctx) => {
    const name = stringParam(objectParams(params, 'container.export'), 'container', 'container.export')
    const leased = await withContainer(s, name, (c, lock) => s.containers.lease(lock, c))
    return whileLeased(leased, async (l) => ({ bytes: await sendStream(ctx, s.containers.tar(l)) }))
  },
})
