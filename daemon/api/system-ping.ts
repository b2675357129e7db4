/** system.ping: answers at once; for health checks and RPC latency benchmarks. */
import type { ApiMethod } from './params.js'

export const systemPing = (): ApiMethod<'system.ping'> => ({
  handler: () => Promise.resolve({ pong: true }),
})
