/** system.info: the daemon's state (`strata info`): paths, storage, object counts, load. */
import type { SystemInfo } from '../../client/protocol.js'
import { readMountinfo } from '../mounts/mountinfo.js'
import type { ApiMethod } from './params.js'
import type { Services } from './services.js'

export const systemInfo = (s: Services): ApiMethod<'system.info'> => ({
  handler: async (): Promise<SystemInfo> => {
    const mounts = await s.mounts.list()
    let layers = 0
    for await (const _l of s.layers.walk()) layers++
    return {
      version: s.version,
      pid: process.pid,
      root: s.config.root,
      socket: s.config.socket,
      startedAt: s.startedAt.toISOString(),
      storage: { driver: 'strata-fuse', backingFs: backingFs(s.config.root), passthrough: process.getuid?.() === 0 },
      counts: {
        layers,
        images: (await s.images.list()).length,
        containers: (await s.containers.list()).length,
        mounts: mounts.length,
        mountsServing: mounts.filter((m) => m.state === 'serving').length,
      },
      ...s.rpcStats(),
    }
  },
})

/** The filesystem type the data root lives on: the longest mount target that contains it. */
function backingFs(root: string): string {
  let best = { target: '', fstype: 'unknown' }
  for (const m of readMountinfo()) {
    const contains = root === m.target || root.startsWith(m.target.endsWith('/') ? m.target : `${m.target}/`)
    if (contains && m.target.length >= best.target.length) best = m
  }
  return best.fstype
}
