/**
 * container.commit: `docker commit` (containers/commit.ts) — the writable layer becomes a new
 * layer and image, tagged with `ref` when given. Staged outside the metadata queue (a mounted
 * container paused meanwhile unless `pause` is false, and a running one's processes frozen too);
 * recorded in one batch inside it.
 */
import { parseReference } from '../reference.js'
import type { ApiMethod } from './params.js'
import type { Services } from './services.js'

export const containerCommit = (s: Services): ApiMethod<'container.commit'> => ({
  handler: async (p, ctx) => {
    const c = await s.containers.resolve(p.container)
    const tags = p.ref ? [parseReference(p.ref)] : []
    const opts = {
      author: p.author || undefined,
      message: p.message || undefined,
      changes: p.changes ?? [],
      pause: p.pause !== false,
    }
    const stage = () => s.containers.stageCommit(c, opts, ctx.signal)
    const staged = opts.pause ? await s.runs.whileFrozen(c, stage) : await stage()
    try {
      await s.metadata.add(async (lock) => {
        ctx.signal.throwIfAborted()
        await s.containers.recordCommit(lock, staged, tags)
      })
      return { id: staged.image.id }
    } finally {
      s.containers.discardCommit(staged)
    }
  },
})
