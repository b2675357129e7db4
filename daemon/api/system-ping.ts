/** system.ping: answers at once; for health checks and RPC latency benchmarks. */
import type { MethodDef } from '../rpc/dispatch.js'

export const systemPing = (): MethodDef => ({
  handler: () => Promise.resolve({ pong: true }),
})
