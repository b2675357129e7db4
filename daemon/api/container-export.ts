/** container.export: `docker export` — the container's merged filesystem as a tar (download). */
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
    const c = await s.containers.resolve(
      stringParam(objectParams(params, 'container.export'), 'container', 'container.export'),
    )
    const upper = join(s.containers.dirOf(c.id), 'upper')
    return { bytes: await sendStream(ctx, mergedTar(upper, await lowerdirsOf(s, c))) }
  },
})
