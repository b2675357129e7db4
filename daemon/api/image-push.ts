/**
 * image.push: `docker push` of a tagged image to its registry (registry/push.ts); the image then
 * lists the repo@digest among its RepoDigests, as Docker's does. Its layers are leased while they
 * upload (an rmi meanwhile untags and deletes the records; the bytes stay until the push ends).
 * Credentials are the caller's, sent with the call (`auth`); the daemon keeps none.
 */
import type { RegistryAuth } from '../../client/protocol.js'
import type { LayerRecord } from '../store/layer-records.js'
import { RegistryClient } from '../registry/client.js'
import { pushImage } from '../registry/push.js'
import { familiarName, parseReference, withDefaultTag, type Reference } from '../reference.js'
import type { CallContext } from '../rpc/dispatch.js'
import type { ImageRecord } from '../store/images.js'
import type { ApiMethod } from './params.js'
import type { Services } from './services.js'

export const imagePush = (s: Services): ApiMethod<'image.push'> => ({
  handler: async ({ ref: name, auth }, ctx) => {
    const ref = withDefaultTag(parseReference(name))
    const { image, chain, release } = await s.metadata.add(async () => {
      const { image } = await s.images.resolve(name)
      const chain = await s.layers.baseFirst(image.topLayer)
      return { image, chain, release: s.layers.lease(chain.map((l) => l.chainId)) }
    })
    try {
      return await push(s, image, chain, ref, auth, ctx)
    } finally {
      release()
    }
  },
})

async function push(
  s: Services,
  image: ImageRecord,
  chain: LayerRecord[],
  ref: Reference,
  auth: RegistryAuth | undefined,
  ctx: CallContext,
) {
  const client = new RegistryClient(ref.domain, {
    insecure: s.config.insecureRegistries,
    credentials: auth,
  })
  const digest = await pushImage(client, s.layers, { image, chain }, ref, {
    progress: (e) => ctx.progress(e),
    rememberGzip: (l, gzip) => s.metadata.add((lock) => s.layers.rememberGzip(lock, l.chainId, gzip)),
    log: s.log,
  })
  await s.metadata.add((lock) => s.images.addDigest(lock, image.id, `${familiarName(ref)}@${digest}`))
  return { digest }
}
