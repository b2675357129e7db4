/** The daemon's method table: every RPC method of client/protocol.ts and the file that serves it. */
import type { MethodName } from '../../client/protocol.js'
import type { MethodDef } from '../rpc/dispatch.js'
import { mountCreate } from './mount-create.js'
import { mountList } from './mount-list.js'
import { mountRemove } from './mount-remove.js'
import type { Services } from './services.js'
import { systemInfo } from './system-info.js'
import { systemPing } from './system-ping.js'
import { systemVersion } from './system-version.js'

export function methodTable(s: Services): Record<MethodName, MethodDef> {
  return {
    'system.ping': systemPing(),
    'system.version': systemVersion(s),
    'system.info': systemInfo(s),
    'mount.create': mountCreate(s),
    'mount.remove': mountRemove(s),
    'mount.list': mountList(s),
  }
}
