/**
 * container.start: `docker start` — starts the process of a created or exited container as it
 * was last run (or as its image says); with `attach`, streams its output and ends as run does,
 * and with `interactive` too, feeds the upload to its stdin as run -i does (container-stdin.ts).
 */
import { openOutput } from '../containers/output-follow.js'
import { withContainer } from './container-call.js'
import { streamUntilExit } from './container-output.js'
import { stdinFeed } from './container-stdin.js'
import type { ApiMethod } from './params.js'
import type { Services } from './services.js'

export const containerStart = (s: Services): ApiMethod<'container.start'> => ({
  upload: true,
  download: true,
  handler: async (p, ctx) => {
    const feed = stdinFeed(ctx, p.attach === true && p.interactive === true)
    const { c, reader, exited } = await withContainer(s, p.container, async (record, lock) => {
      const reader = p.attach ? openOutput(s.containers.pathsOf(record), 'end') : null
      try {
        const c = await s.runs.start(lock, record, undefined, { consoleSize: p.consoleSize, ...feed.io })
        return { c, reader, exited: s.runs.waitExit(c.id) }
      } catch (err) {
        reader?.close()
        throw err
      }
    }).catch((err: unknown) => {
      feed.abandon()
      throw err
    })
    if (!reader) return { id: c.id }
    ctx.progress({ id: c.id, status: 'Started' })
    feed.begin()
    return { id: c.id, ...(await streamUntilExit(ctx, reader, exited)) }
  },
})
