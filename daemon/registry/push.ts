/**
 * Push: an image's layers and config, skipping blobs the registry has (HEAD), then its manifest
 * under the tag. An image pulled and unchanged goes back as it came (its manifest and kept
 * blobs), so its digest is the same; any other gets an OCI manifest of its exact layer tars,
 * uncompressed (each blob's digest is its diffID). Returns the manifest's digest. The caller
 * reads the chain (base first) and leases its layers, so a deletion meanwhile waits for the push.
 */
import { createReadStream } from 'node:fs'
import type { LayerRecord, LayerStore } from '../layers/layer-store.js'
import { sha256 } from '../layers/digests.js'
import type { ImageRecord } from '../store/images.js'
import { manifestOf } from './archive-save.js'
import type { RegistryClient } from './client.js'
import { jsonBytes, MEDIA, type Manifest } from './oci.js'
import { parseReference, type Reference } from './reference.js'

export async function pushImage(
  client: RegistryClient,
  layers: LayerStore,
  what: { image: ImageRecord; chain: LayerRecord[] },
  ref: Reference,
  progress: (event: { id: string; layer: string; status: string }) => void,
): Promise<string> {
  const { image, chain } = what
  const original = originalBlobs(layers, image, chain)
  const blobs: Blob[] =
    original?.blobs ?? chain.map((l) => ({ digest: l.diffId, size: l.size, read: () => layers.export(l.chainId) }))
  const sources = sameHostRepos(image, ref)
  for (const b of blobs) {
    const id = b.digest.slice(7, 19)
    if (await client.hasBlob(ref.path, b.digest)) {
      progress({ id, layer: b.digest, status: 'Layer already exists' })
      continue
    }
    const from = await mountFrom(client, ref.path, b.digest, sources)
    if (from) {
      progress({ id, layer: b.digest, status: `Mounted from ${from}` })
      continue
    }
    await client.upload(ref.path, b.digest, b.size, b.read())
    progress({ id, layer: b.digest, status: 'Pushed' })
  }
  if (!(await client.hasBlob(ref.path, image.id)))
    await client.upload(ref.path, image.id, image.config.length, once(Buffer.from(image.config)))
  const manifest = original?.manifest ?? { mediaType: MEDIA.ociManifest, bytes: jsonBytes(manifestOf(image, chain)) }
  await client.putManifest(ref.path, ref.tag ?? 'latest', manifest.mediaType, Buffer.from(manifest.bytes))
  return sha256(Buffer.from(manifest.bytes))
}

/** Other repositories of the same registry the image was pulled from or pushed to. */
function sameHostRepos(image: ImageRecord, ref: Reference): string[] {
  const repos = image.digests
    .map((d) => parseReference(d))
    .filter((r) => r.domain === ref.domain && r.path !== ref.path)
  return [...new Set(repos.map((r) => r.path))]
}

async function mountFrom(
  client: RegistryClient,
  repo: string,
  digest: string,
  sources: string[],
): Promise<string | undefined> {
  for (const from of sources) if (await client.mount(repo, digest, from)) return from
  return undefined
}

interface Blob {
  digest: string
  size: number
  read(): AsyncIterable<Uint8Array>
}

/**
 * For an image pulled and unchanged: its manifest as pulled and each layer's blob as it came (kept
 * compressed blobs, or the exact tar where the blob was the tar), so the push gives the same
 * digest. Undefined when any is missing: the layer was already here from a load, say.
 */
function originalBlobs(layers: LayerStore, image: ImageRecord, chain: LayerRecord[]) {
  if (!image.manifest) return undefined
  const m = JSON.parse(Buffer.from(image.manifest.bytes).toString('utf8')) as Manifest
  if (m.config?.digest !== image.id || m.layers?.length !== chain.length) return undefined
  const blobs: Blob[] = []
  for (const [i, d] of m.layers.entries()) {
    const l = chain[i] as LayerRecord
    if (d.digest === l.diffId) blobs.push({ digest: d.digest, size: l.size, read: () => layers.export(l.chainId) })
    else if (l.blob?.digest === d.digest)
      blobs.push({ digest: d.digest, size: l.blob.size, read: () => fileStream(layers.blobPath(l.chainId)) })
    else return undefined
  }
  return { manifest: image.manifest, blobs }
}

async function* once(b: Buffer): AsyncGenerator<Buffer> {
  yield b
}

async function* fileStream(path: string): AsyncGenerator<Buffer> {
  for await (const chunk of createReadStream(path)) yield chunk as Buffer
}
