/**
 * container.export: `docker export` — the container's merged filesystem as a tar (download). The
 * container and its layers are leased while it streams: an `rm -f` meanwhile removes the record
 * at once and the directories when the export ends.
 */
import { join } from 'node:path'
import { mergedTar } from '../diff/merged-tar.js'
import type { MethodDef } from '../rpc/dispatch.js'
import { sendStream } from '../rpc/send-stream.js'
import { lowerdirsOf } from './container-mount.js'
import { objectParams, stringParam } from './params.js'
import type { Services } from './services.js'

export const containerExport = (s: Services): MethodDef => ({
  download: true,
  handler: async (params, ctx) => {
    const name = stringParam(objectParams(params, 'container.export'), 'container', 'container.export')
    const { upper, lowerdirs, release } = await s.metadata.add(async () => {
      const c = await s.containers.resolve(name)
      const upper = join(s.containers.dirOf(c.id), 'upper')
      return { upper, lowerdirs: await lowerdirsOf(s, c), release: await s.containers.lease(c) }
    })
    try {
      return { bytes: await sendStream(ctx, mergedTar(upper, lowerdirs)) }
    } finally {
      release()
    }
  },
})
