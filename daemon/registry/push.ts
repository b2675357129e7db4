/**
 * Push: an image's layers and config, skipping blobs the registry has (HEAD), then its manifest
 * under the tag. An image pulled and unchanged goes back as it came (its manifest and kept
 * blobs), so its digest is the same; any other gets an OCI manifest of gzip'd layers, as Docker
 * pushes them (the blob a layer was pulled as when that was gzip). Returns the manifest's
 * digest. The caller reads the chain (base first) and leases its layers, so a deletion meanwhile
 * waits for the push.
 */
import { createHash } from 'node:crypto'
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { Readable, Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createGzip } from 'node:zlib'
import type { LayerRecord, LayerStore } from '../layers/layer-store.js'
import { sha256 } from '../layers/digests.js'
import type { ImageRecord } from '../store/images.js'
import { manifestOf } from './archive-save.js'
import type { RegistryClient } from './client.js'
import { jsonBytes, MEDIA, type Descriptor, type Manifest } from './oci.js'
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
  const sources = sameHostRepos(image, ref)
  const pushed: Descriptor[] = []
  for (const [i, l] of chain.entries()) {
    const b = original?.blobs[i] ?? (await gzipBlob(layers, l))
    try {
      await pushBlob(client, ref, b, sources, progress)
      pushed.push({ mediaType: b.mediaType, digest: b.digest, size: b.size })
    } finally {
      b.done?.()
    }
  }
  if (!(await client.hasBlob(ref.path, image.id)))
    await client.upload(ref.path, image.id, image.config.length, once(Buffer.from(image.config)))
  const manifest = original?.manifest ?? {
    mediaType: MEDIA.ociManifest,
    bytes: jsonBytes(manifestOf(image, chain, pushed)),
  }
  await client.putManifest(ref.path, ref.tag ?? 'latest', manifest.mediaType, Buffer.from(manifest.bytes))
  return sha256(Buffer.from(manifest.bytes))
}

/** One layer blob: skipped when the registry has it, mounted from a sibling repository, or uploaded. */
async function pushBlob(
  client: RegistryClient,
  ref: Reference,
  b: Blob,
  sources: string[],
  progress: (event: { id: string; layer: string; status: string }) => void,
): Promise<void> {
  const id = b.digest.slice(7, 19)
  if (await client.hasBlob(ref.path, b.digest)) return progress({ id, layer: b.digest, status: 'Layer already exists' })
  const from = await mountFrom(client, ref.path, b.digest, sources)
  if (from) return progress({ id, layer: b.digest, status: `Mounted from ${from}` })
  await client.upload(ref.path, b.digest, b.size, b.read())
  progress({ id, layer: b.digest, status: 'Pushed' })
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
  mediaType: string
  read(): AsyncIterable<Uint8Array>
  /** Drops what was made for the push (a compressed copy in tmp/). */
  done?(): void
}

const GZIP_TYPES: readonly string[] = [MEDIA.ociLayerGzip, MEDIA.dockerLayer]

/**
 * The layer gzip'd, as Docker pushes it: the blob it was pulled as when that was gzip, else its
 * exact tar compressed into tmp/ (zlib's output is the same for the same tar, so pushing again
 * gives the same digest).
 */
async function gzipBlob(layers: LayerStore, l: LayerRecord): Promise<Blob> {
  if (l.blob && GZIP_TYPES.includes(l.blob.mediaType)) {
    const path = layers.blobPath(l.chainId)
    return { digest: l.blob.digest, size: l.blob.size, mediaType: MEDIA.ociLayerGzip, read: () => fileStream(path) }
  }
  const path = join(mkdtempSync(join(layers.tmpDir, 'push-')), 'blob.gz')
  const done = () => rmSync(dirname(path), { recursive: true, force: true })
  try {
    const hash = createHash('sha256')
    let size = 0
    const count = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        hash.update(chunk)
        size += chunk.length
        cb(null, chunk)
      },
    })
    await pipeline(Readable.from(layers.export(l.chainId)), createGzip(), count, createWriteStream(path))
    const digest = `sha256:${hash.digest('hex')}`
    return { digest, size, mediaType: MEDIA.ociLayerGzip, read: () => fileStream(path), done }
  } catch (err) {
    done()
    throw err
  }
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
    const mediaType = d.mediaType
    if (d.digest === l.diffId)
      blobs.push({ digest: d.digest, size: l.size, mediaType, read: () => layers.export(l.chainId) })
    else if (l.blob?.digest === d.digest)
      blobs.push({ digest: d.digest, size: l.blob.size, mediaType, read: () => fileStream(layers.blobPath(l.chainId)) })
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
