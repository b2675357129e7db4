/**
 * image.pull: `docker pull` from an OCI registry (registry/pull.ts). Layers are downloaded and
 * staged outside the metadata queue; layers, image and tag are recorded in one batch inside it.
 * `platform` is os/arch[/variant], default this host's. After the layers' events (pull.ts) come
 * Docker's `Digest: …` and `Status: Downloaded newer image for REF` (or `Image is up to date for
 * REF` when the reference named this image already). Credentials are the caller's, sent with the
 * call (`auth`); the daemon keeps none. The pull itself is api/pull-record.ts's.
 */
import { parseReference, withDefaultTag } from '../reference.js'
import type { ApiMethod } from './params.js'
import { platformOf, pullAndRecord } from './pull-record.js'
import type { Services } from './services.js'

export const imagePull = (s: Services): ApiMethod<'image.pull'> => ({
  handler: async (p, ctx) => {
    const ref = withDefaultTag(parseReference(p.ref))
    const pulled = await pullAndRecord(s, ref, {
      platform: platformOf(p.platform),
      credentials: p.auth,
      signal: ctx.signal,
      progress: (e) => ctx.progress(e),
    })
    return { id: pulled.image.id, digest: pulled.manifestDigest }
  },
})
