/**
 * image.push: `docker push` of a tagged image to its registry (registry/push.ts); the image then
 * lists the repo@digest among its RepoDigests, as Docker's does.
 */
import { RegistryClient } from '../registry/client.js'
import { pushImage } from '../registry/push.js'
import { familiarName, parseReference, withDefaultTag } from '../registry/reference.js'
import type { MethodDef } from '../rpc/dispatch.js'
import { objectParams, stringParam } from './params.js'
import type { Services } from './services.js'

export const imagePush = (s: Services): MethodDef => ({
  handler: async (params, ctx) => {
    const name = stringParam(objectParams(params, 'image.push'), 'ref', 'image.push')
    const ref = withDefaultTag(parseReference(name))
    const { image } = await s.images.resolve(name)
    const client = new RegistryClient(ref.domain, {
      insecure: s.config.insecureRegistries,
      credentials: s.credentials.get(ref.domain),
    })
    const digest = await pushImage(client, s.layers, image, ref, (e) => ctx.progress(e))
    await s.metadata.add(() => s.images.addDigest(image.id, `${familiarName(ref)}@${digest}`))
    return { digest }
  },
})
