/**
 * image.pull: `docker pull` from an OCI registry (registry/pull.ts). Layers are downloaded and
 * staged outside the metadata queue; layers, image and tag are recorded in one batch inside it.
 * `platform` is os/arch[/variant], default this host's. After the layers' events (pull.ts) come
 * Docker's `Digest: …` and `Status: Downloaded newer image for REF` (or `Image is up to date for
 * REF` when the reference named this image already). Credentials are the caller's, sent with the
 * call (`auth`); the daemon keeps none.
 */
import { invalidArgument } from '../errors.js'
import { RegistryClient } from '../registry/client.js'
import type { Platform } from '../registry/oci.js'
import { pullImage, type Pulled } from '../registry/pull.js'
import { canonical, familiar, parseReference, withDefaultTag, type Reference } from '../reference.js'
import { ociArch } from '../store/image-config.js'
import type { ApiMethod } from './params.js'
import type { Services } from './services.js'

export const imagePull = (s: Services): ApiMethod<'image.pull'> => ({
  handler: async (p, ctx) => {
    const ref = withDefaultTag(parseReference(p.ref))
    const platform = platformOf(p.platform)
    const before = await imageIdOf(s, ref)
    const client = new RegistryClient(ref.domain, {
      insecure: s.config.insecureRegistries,
      credentials: p.auth,
    })
    const pulled = await pullImage(
      client,
      s.layers,
      ref,
      platform,
      ctx.signal,
      (e) => ctx.progress(e),
      s.config.maxConcurrentDownloads,
    )
    try {
      await s.metadata.add((lock) =>
        s.layers.record(lock, pulled.staged, async (ops) => {
          ctx.signal.throwIfAborted()
          await s.images.add(lock, { ...pulled.image, size: await sizeOf(s, pulled) }, ops, ref.tag ? [ref] : [])
        }),
      )
    } finally {
      s.layers.discard(pulled.staged)
    }
    ctx.progress({ status: `Digest: ${pulled.namedDigest}` }) // as Docker: the index's, for an index
    const news = before === pulled.image.id ? 'Image is up to date for' : 'Downloaded newer image for'
    ctx.progress({ status: `Status: ${news} ${familiar(ref)}` })
    return { id: pulled.image.id, digest: pulled.manifestDigest }
  },
})

/** The image the reference names before the pull, for Docker's "Image is up to date". */
async function imageIdOf(s: Services, ref: Reference): Promise<string | undefined> {
  try {
    return (await s.images.resolve(canonical(ref))).image.id
  } catch (err) {
    if ((err as { code?: string }).code === 'NOT_FOUND') return undefined
    throw err
  }
}

/** The image's size: its layers' tar sizes, from what was just staged or from their records. */
async function sizeOf(s: Services, pulled: Pulled): Promise<number> {
  const staged = new Map(pulled.staged.map((st) => [st.layer.chainId, st.layer.size]))
  let size = 0
  for (const id of pulled.chainIds) size += staged.get(id) ?? (await s.layers.stat(id)).size
  return size
}

function platformOf(text: string | undefined): Platform {
  if (!text) return { os: 'linux', architecture: ociArch() }
  const [os, architecture, variant] = text.split('/')
  if (!os || !architecture) throw invalidArgument(`invalid platform ${text}: want os/arch[/variant]`)
  return { os, architecture, ...(variant ? { variant } : {}) }
}
