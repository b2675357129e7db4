/**
 * image.mount / image.unmount: a read-only view of an image's layers, at
 * mounts/images/<id hex> under the data root unless a path is given (root only); counted.
 */
import { join } from 'node:path'
import { invalidArgument } from '../errors.js'
import { hexOf } from '../digests.js'
import type { MethodDef } from '../rpc/dispatch.js'
import { acquire, release } from './counted-mount.js'
import { boolParam, objectParams, stringParam, targetParam } from './params.js'
import type { Services } from './services.js'

export const imageMount = (s: Services): MethodDef => ({
  handler: async (params, ctx) => {
    const p = objectParams(params, 'image.mount')
    const name = stringParam(p, 'image', 'image.mount')
    const target = targetParam(p, ctx.peer.uid)
    return s.metadata.add(async () => {
      const { image } = await s.images.resolve(name)
      if (!image.topLayer) throw invalidArgument(`image ${image.id.slice(7, 19)} has no layers to mount`)
      const current = await s.imageMounts.get(image.id)
      if (current && target && target !== current.target)
        throw invalidArgument(`image ${image.id.slice(7, 19)} is already mounted at ${current.target}`)
      const chain = await s.layers.chain(image.topLayer)
      const where = target ?? current?.target ?? join(s.config.root, 'image-mounts', hexOf(image.id))
      const m = await acquire(s, current, where, { lowerdirs: chain.map((l) => s.layers.diffDir(l.chainId)) })
      await s.imageMounts.set(image.id, m)
      return { path: m.target }
    })
  },
})

export const imageUnmount = (s: Services): MethodDef => ({
  handler: async (params) => {
    const p = objectParams(params, 'image.unmount')
    const name = stringParam(p, 'image', 'image.unmount')
    const force = boolParam(p, 'force', 'image.unmount')
    return s.metadata.add(async () => {
      const { image } = await s.images.resolve(name)
      const m = await release(s, await s.imageMounts.get(image.id), force)
      await s.imageMounts.set(image.id, m)
      return { mounted: m !== null }
    })
  },
})
