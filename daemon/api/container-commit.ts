/**
 * container.commit: `docker commit` (containers/commit.ts) — the writable layer becomes a new
 * layer and image, tagged with `ref` when given. Staged outside the metadata queue (a mounted
 * container paused meanwhile unless `pause` is false); recorded in one batch inside it.
 */
import type { ContainerCommitParams } from '../../client/protocol.js'
import { parseReference } from '../reference.js'
import type { MethodDef } from '../rpc/dispatch.js'
import { checkParams, nonEmpty, optionalText, textList, unlessFalse } from './params.js'
import type { Services } from './services.js'

export const containerCommit = (s: Services): MethodDef => ({
  handler: async (params, ctx) => {
    const p = checkParams<ContainerCommitParams>(params, 'container.commit', {
      container: nonEmpty,
      ref: optionalText,
      author: optionalText,
      message: optionalText,
      changes: textList,
      pause: unlessFalse,
    })
    const c = await s.containers.resolve(p.container)
    const tags = p.ref ? [parseReference(p.ref)] : []
    const opts = { author: p.author, message: p.message, changes: p.changes ?? [], pause: p.pause !== false }
    const staged = await s.containers.stageCommit(c, opts, ctx.signal)
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
