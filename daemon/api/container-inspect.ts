/**
 * container.inspect: `docker container inspect` JSON for what applies to a container with no
 * process: Id, Created, Name (/name), Image (the image ID), State (a mount is what running is to
 * Docker: Running and Mounted while it is mounted, Paused while a commit holds it, Pid of its
 * mount worker), Driver, Platform, GraphDriver (graph-driver.ts), Mounts (no volumes: []),
 * MountPoint (where it is mounted, or ""), Config (its image's, with Image as named at create);
 * with `size`, SizeRw and SizeRootFs as `docker inspect -s` adds them (SizeRootFs: the image's
 * content, as `images` counts it, plus SizeRw).
 * Errors: NOT_FOUND ("No such container"), CONFLICT for an ambiguous ID prefix.
 * Tests: test/integration/cli-inspect.test.ts
 */
import type { ChainId } from '../digests.js'
import { parseConfig } from '../store/image-config.js'
import { contentBytesOf } from '../store/layer-records.js'
import type { ContainerRecord } from '../store/containers.js'
import { containerGraphDriver, DRIVER_NAME } from './graph-driver.js'
import type { ApiMethod } from './params.js'
import type { Services } from './services.js'

/** docker inspect -s's two sizes: the writable layer's, and the whole root filesystem's. */
async function sizesOf(s: Services, c: ContainerRecord, top: ChainId | null) {
  const chain = top ? await s.layers.chain(top) : []
  const SizeRw = s.containers.upperSize(c)
  return { SizeRw, SizeRootFs: chain.reduce((n, l) => n + contentBytesOf(l), 0) + SizeRw }
}

/** Go's zero time, which Docker prints for a time that never was. */
const NEVER = '0001-01-01T00:00:00Z'

export const containerInspect = (s: Services): ApiMethod<'container.inspect'> => ({
  handler: async (p) => {
    const c = await s.containers.resolve(p.container)
    const image = await s.images.get(c.imageId)
    const config = image ? parseConfig(Buffer.from(image.config)) : undefined
    const paths = s.containers.pathsOf(c)
    return {
      Id: c.id,
      Created: c.createdAt,
      State: await stateOf(s, c),
      Image: c.imageId,
      Name: `/${c.name}`,
      Driver: DRIVER_NAME,
      Platform: config?.os ?? 'linux',
      GraphDriver: await containerGraphDriver(s.layers, c, paths),
      ...(p.size ? await sizesOf(s, c, image?.topLayer ?? null) : {}),
      Mounts: [],
      MountPoint: c.mount?.target ?? '',
      Config: { ...(config?.config ?? {}), Image: c.imageName, ...terminalOf(c) },
    }
  },
})

/** Docker's Tty and OpenStdin: as it last ran, or as create was asked. */
function terminalOf(c: ContainerRecord): { Tty: boolean; OpenStdin: boolean } {
  const p = c.process ?? c.runOptions
  return { Tty: p?.tty === true, OpenStdin: p?.openStdin === true }
}

async function stateOf(s: Services, c: ContainerRecord) {
  const mount = c.mount && (await s.mounts.list()).find((m) => m.id === c.mount?.id)
  const mounted = c.mount !== null
  return {
    Status: mounted ? 'mounted' : 'created',
    Running: mounted,
    Paused: mount?.paused === true,
    Mounted: mounted,
    Pid: mount?.pid ?? 0,
    StartedAt: mount?.createdAt ?? NEVER,
    FinishedAt: NEVER,
  }
}
