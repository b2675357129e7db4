/** container.wait: `docker wait` — blocks until the container's process ends; its exit status. */
import type { ApiMethod } from './params.js'
import type { Services } from './services.js'

export const containerWait = (s: Services): ApiMethod<'container.wait'> => ({
  handler: async (p) => {
    const c = await s.containers.resolve(p.container)
    const exit = await s.runs.waitExit(c.id)
    return { exitCode: exit.exitCode, ...(exit.error ? { error: exit.error } : {}) }
  },
})
