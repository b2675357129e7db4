/** system.version: the daemon's version, protocol version and platform (`strata version`). */
import { release } from 'node:os'
import { PROTOCOL_VERSION, type VersionInfo } from '../../client/protocol.js'
import type { ApiMethod } from './params.js'
import type { Services } from './services.js'

export const systemVersion = (s: Services): ApiMethod<'system.version'> => ({
  handler: (): Promise<VersionInfo> =>
    Promise.resolve({
      version: s.version,
      protocol: PROTOCOL_VERSION,
      node: process.version,
      os: process.platform,
      arch: process.arch,
      kernel: release(),
    }),
})
