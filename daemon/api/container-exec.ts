/**
 * container.exec: `docker exec` (containers/exec.ts) — a command in a running container; its
 * output streams as the call's download and the result is its exit status; with `interactive`
 * the call's upload is its stdin.
 */
import { execProcess } from '../containers/exec.js'
import { sendLive } from './container-output.js'
import type { ApiMethod } from './params.js'
import type { Services } from './services.js'

export const containerExec = (s: Services): ApiMethod<'container.exec'> => ({
  upload: true,
  download: true,
  handler: async (p, ctx) => {
    const c = await s.containers.resolve(p.container)
    const { interactive, ...o } = p
    const run = execProcess(
      s.runs.runtime,
      c,
      s.containers.pathsOf(c).bundle,
      { ...o, ...(interactive ? { stdin: ctx.upload() } : {}) },
      ctx.signal,
    )
    await sendLive(ctx, run.frames)
    return run.exited
  },
})
