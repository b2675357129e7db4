/**
 * container.mount / container.unmount (containers/mount.ts): the container's root filesystem
 * read-write, at containers/<id>/merged unless a path is given (root only). Mounting a mounted
 * container returns the same path and counts; unmount releases one (or all, forced).
 */
import type { MethodDef } from '../rpc/dispatch.js'
import { withContainer } from './container-call.js'
import { boolParam, objectParams, stringParam, targetParam } from './params.js'
import type { Services } from './services.js'

export const containerMount = (s: Services): MethodDef => ({
  handler: async (params, ctx) => {
    const p = objectParams(params, 'container.mount')
    const name = stringParam(p, 'container', 'container.mount')
    const target = targetParam(p, ctx.peer.uid)
    return withContainer(s, name, async (c, lock) => ({ path: await s.containers.mount(lock, c, target) }))
  },
})

export const containerUnmount = (s: Services): MethodDef => ({
  handler: async (params) => {
    const p = objectParams(params, 'container.unmount')
    const name = stringParam(p, 'container', 'container.unmount')
    const force = boolParam(p, 'force', 'container.unmount')
    return withContainer(s, name, async (c, lock) => ({ mounted: await s.containers.unmount(lock, c, force) }))
  },
})
