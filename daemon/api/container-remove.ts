/**
 * container.remove: `docker rm` — refused while mounted or running unless forced; forced, a
 * running process is killed and its end recorded first (outside the queue: the reaper takes it).
 */
import { StrataError } from '../../client/protocol.js'
import { isRunning } from '../containers/runs.js'
import { withContainer } from './container-call.js'
import type { ApiMethod } from './params.js'
import type { Services } from './services.js'

export const containerRemove = (s: Services): ApiMethod<'container.remove'> => ({
  handler: async (p) => {
    const force = p.force === true
    const found = await s.containers.resolve(p.container)
    if (force && isRunning(found)) {
      const exited = s.runs.waitExit(found.id)
      await s.runs.kill(found, 'SIGKILL').catch((err: unknown) => {
        if (!(err instanceof StrataError && err.code === 'CONFLICT')) throw err // CONFLICT: it ended meanwhile
      })
      await exited
      if (!(await s.containers.records.get(found.id))) return { id: found.id } // it was run with --rm
    }
    return withContainer(s, found.id, async (c, lock) => {
      await s.containers.remove(lock, c, force)
      return { id: c.id }
    })
  },
})
