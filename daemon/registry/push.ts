/**
 * Push: an image's layers (their exact tars, uncompressed, so each blob's digest is its diffID)
 * and config, skipping blobs the registry has (HEAD), then an OCI manifest under the tag.
 * Returns the manifest's digest.
 */
import type { LayerStore } from '../layers/layer-store.js'
import { sha256 } from '../layers/digests.js'
import type { ImageRecord } from '../store/images.js'
import { manifestOf } from './archive-save.js'
import type { RegistryClient } from './client.js'
import { jsonBytes, MEDIA } from './oci.js'
import type { Reference } from './reference.js'

export async function pushImage(
  client: RegistryClient,
  layers: LayerStore,
  image: ImageRecord,
  ref: Reference,
  progress: (event: { id: string; layer: string; status: 'Layer already exists' | 'Pushed' }) => void,
): Promise<string> {
  const chain = image.topLayer ? (await layers.chain(image.topLayer)).reverse() : []
  for (const l of chain) {
    if (await client.hasBlob(ref.path, l.diffId)) {
      progress({ id: l.diffId.slice(7, 19), layer: l.diffId, status: 'Layer already exists' })
      continue
    }
    await client.upload(ref.path, l.diffId, l.size, layers.export(l.chainId))
    progress({ id: l.diffId.slice(7, 19), layer: l.diffId, status: 'Pushed' })
  }
  if (!(await client.hasBlob(ref.path, image.id)))
    await client.upload(
      ref.path,
      image.id,
      image.config.length,
      (async function* () {
        yield Buffer.from(image.config)
      })(),
    )
  const manifest = jsonBytes(manifestOf(image, chain))
  await client.putManifest(ref.path, ref.tag ?? 'latest', MEDIA.ociManifest, manifest)
  return sha256(manifest)
}
