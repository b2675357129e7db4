/**
 * container.logs: `docker logs` — what the container's process wrote (every run's), as a download
 * in Docker's multiplexed format; with `follow`, until the running process ends.
 */
import { openOutput } from '../containers/output-follow.js'
import { sendLive } from './container-output.js'
import type { ApiMethod } from './params.js'
import type { Services } from './services.js'

export const containerLogs = (s: Services): ApiMethod<'container.logs'> => ({
  download: true,
  handler: async (p, ctx) => {
    const c = await s.containers.resolve(p.container)
    const reader = openOutput(s.containers.pathsOf(c), 'start')
    try {
      const follow = p.follow && c.process?.monitor ? { ended: s.runs.waitExit(c.id), signal: ctx.signal } : null
      return { bytes: await sendLive(ctx, reader.frames(follow)) }
    } finally {
      reader.close()
    }
  },
})
