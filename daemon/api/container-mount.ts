/**
 * container.mount / container.unmount (containers/mount.ts): the container's root filesystem
 * read-write, at containers/<id>/merged unless a path is given (root only). Mounting a mounted
 * container returns the same path and counts; unmount releases one (or all, forced), never the
 * one a running container's process holds (IN_USE).
 */
import { withContainer } from './container-call.js'
import { targetParam, type ApiMethod } from './params.js'
import type { Services } from './services.js'

export const containerMount = (s: Services): ApiMethod<'container.mount'> => ({
  handler: async (p, ctx) => {
    const target = targetParam(p.target, ctx.peer.uid)
    return withContainer(s, p.container, async (c, lock) => ({ path: await s.containers.mount(lock, c, target) }))
  },
})

export const containerUnmount = (s: Services): ApiMethod<'container.unmount'> => ({
  handler: async (p) =>
    withContainer(s, p.container, async (c, lock) => ({
      mounted: await s.containers.unmount(lock, c, p.force === true),
    })),
})
