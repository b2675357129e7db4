/**
 * container.stop and container.kill: `docker stop` (its stop signal, SIGKILL after the timeout,
 * answered once the end is recorded) and `docker kill` (one signal, SIGKILL by default; CONFLICT
 * when the process does not run). Neither takes the metadata queue: the reaper needs it.
 */
import { invalidArgument } from '../errors.js'
import type { ApiMethod } from './params.js'
import type { Services } from './services.js'

export const containerStop = (s: Services): ApiMethod<'container.stop'> => ({
  handler: async (p) => {
    const timeout = p.timeout ?? 10
    if (timeout < 0) throw invalidArgument(`invalid timeout ${timeout}: must not be negative`)
    const c = await s.containers.resolve(p.container)
    await s.runs.stopProcess(c, timeout)
    return { id: c.id }
  },
})

export const containerKill = (s: Services): ApiMethod<'container.kill'> => ({
  handler: async (p) => {
    const signal = (p.signal || 'SIGKILL').toUpperCase()
    if (!/^(SIG)?[A-Z0-9+-]+$/.test(signal)) throw invalidArgument(`invalid signal: ${p.signal}`)
    const c = await s.containers.resolve(p.container)
    await s.runs.kill(c, signal)
    return { id: c.id }
  },
})
