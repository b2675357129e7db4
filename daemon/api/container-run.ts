/**
 * container.run: `docker run` — create, mount and start in one call under the metadata queue
 * (containers/runs.ts); without `detach` the output streams until the process ends and the
 * result has its exit status, and with `openStdin` the call's upload is the process's stdin
 * (container-stdin.ts). Bind mounts (`volumes`) are root only: they reach any host path.
 */
import { openOutput } from '../containers/output-follow.js'
import { permissionDenied } from '../errors.js'
import { streamUntilExit } from './container-output.js'
import { stdinFeed } from './container-stdin.js'
import type { ApiMethod } from './params.js'
import type { Services } from './services.js'

export const containerRun = (s: Services): ApiMethod<'container.run'> => ({
  upload: true,
  download: true,
  handler: async (p, ctx) => {
    if (p.volumes?.length && ctx.peer.uid !== 0) throw permissionDenied('bind mounts (-v) are for root only')
    const { image, name, detach, consoleSize, ...options } = p
    const feed = stdinFeed(ctx, !detach && options.openStdin === true)
    const started = await s.metadata
      .add(async (lock) => {
        const created = await s.containers.create(lock, image, name || undefined)
        try {
          const reader = detach ? null : openOutput(s.containers.pathsOf(created), 'end')
          try {
            const c = await s.runs.start(lock, created, options, { consoleSize, ...feed.io })
            return { c, reader, exited: s.runs.waitExit(c.id) }
          } catch (err) {
            reader?.close()
            throw err
          }
        } catch (err) {
          await s.containers.remove(lock, await s.containers.resolve(created.id), true)
          throw err
        }
      })
      .catch((err: unknown) => {
        feed.abandon()
        throw err
      })
    const { c, reader, exited } = started
    if (!reader) return { id: c.id, name: c.name }
    ctx.progress({ id: c.id, status: 'Started' }) // the CLI forwards signals to it from now on
    feed.begin()
    return { id: c.id, name: c.name, ...(await streamUntilExit(ctx, reader, exited)) }
  },
})
