/**
 * container.mount / container.unmount: the container's root filesystem read-write through a
 * strata-overlay worker, at containers/<id>/merged unless a path is given (root only). Mounting
 * a mounted container returns the same path and counts; unmount releases one (or all, forced).
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { invalidArgument } from '../errors.js'
import type { MethodDef } from '../rpc/dispatch.js'
import type { ContainerRecord } from '../store/containers.js'
import { acquire, release } from './counted-mount.js'
import { boolParam, objectParams, stringParam, targetParam } from './params.js'
import type { Services } from './services.js'

export const containerMount = (s: Services): MethodDef => ({
  handler: async (params, ctx) => {
    const p = objectParams(params, 'container.mount')
    const name = stringParam(p, 'container', 'container.mount')
    const target = targetParam(p, ctx.peer.uid)
    return s.metadata.add(async () => {
      const c = await s.containers.resolve(name)
      if (c.mount && target && target !== c.mount.target)
        throw invalidArgument(`container ${c.name} is already mounted at ${c.mount.target}`)
      const dir = s.containers.dirOf(c.id)
      const m = await acquire(s, c.mount, target ?? c.mount?.target ?? join(dir, 'merged'), {
        lowerdirs: await lowerdirsOf(s, c),
        upperdir: join(dir, 'upper'),
        workdir: join(dir, 'work'),
        journal: join(dir, 'journal'),
      })
      await s.containers.setMount(c, m)
      return { path: m.target }
    })
  },
})

export const containerUnmount = (s: Services): MethodDef => ({
  handler: async (params) => {
    const p = objectParams(params, 'container.unmount')
    const name = stringParam(p, 'container', 'container.unmount')
    const force = boolParam(p, 'force', 'container.unmount')
    return s.metadata.add(async () => {
      const c = await s.containers.resolve(name)
      const m = await release(s, c.mount, force)
      await s.containers.setMount(c, m)
      return { mounted: m !== null }
    })
  },
})

/** The image's layer directories, top first; an image without layers gets one empty directory. */
export async function lowerdirsOf(s: Services, c: ContainerRecord): Promise<string[]> {
  if (!c.topLayer) {
    const empty = join(s.containers.dirOf(c.id), 'empty')
    mkdirSync(empty, { recursive: true })
    return [empty]
  }
  return (await s.layers.chain(c.topLayer)).map((l) => s.layers.diffDir(l.chainId))
}
