/**
 * mount.remove: unmount and forget a supervised mount; IN_USE when busy unless forced (root only),
 * and IN_USE, forced or not, when it is the root filesystem of a running container (whose process
 * would be left with a root that answers ENOTCONN: containers/mount.ts refuses the same). Checked
 * and removed under the metadata queue, so no container starts on it in between.
 * Tests: test/integration/daemon-mounts.test.ts, test/integration/container-run.test.ts
 */
import { inUse } from '../errors.js'
import type { ApiMethod } from './params.js'
import type { Services } from './services.js'

export const mountRemove = (s: Services): ApiMethod<'mount.remove'> => ({
  rootOnly: true,
  handler: async (p) =>
    s.metadata.add(async () => {
      const id = await s.mounts.idOf(p.mount)
      const running = (await s.containers.list()).find((c) => c.mount?.id === id && c.process?.monitor)
      if (running)
        throw inUse(`mount ${id.slice(0, 12)} is the root of running container ${running.name}: stop it first`)
      return { id: await s.mounts.remove(p.mount, p.force === true) }
    }),
})
