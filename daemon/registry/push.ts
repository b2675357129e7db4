/**
 * Push: an image's layers and config, skipping blobs the registry has (HEAD), then its manifest
 * under the tag (or, for `repo@sha256:…`, under that digest, which it must have). An image pulled and unchanged goes back as it came (its manifest and kept
 * blobs), so its digest is the same; any other gets an OCI manifest of gzip'd layers, as Docker
 * pushes them (the blob a layer was pulled as when that was gzip). Returns the manifest's
 * digest. The caller reads the chain (base first) and leases its layers, so a deletion meanwhile
 * waits for the push.
 * Progress: Docker's events: `The push refers to repository [REPO]`, `Preparing` for each layer
 * (top first; a layer's id is its short diffID, as Docker's), then per layer `Layer already
 * exists`, `Mounted from REPO` or `Pushing` (bytes) and `Pushed`; last `TAG: digest: … size: N`.
 */
import { createHash } from 'node:crypto'
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { Readable, Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createGzip } from 'node:zlib'
import type { ProgressEvent } from '../../client/protocol.js'
import type { LayerStore } from '../layers/layer-store.js'
import type { LayerRecord } from '../store/layer-records.js'
import type { Logger } from '../log.js'
import { sha256 } from '../digests.js'
import type { ImageRecord } from '../store/images.js'
import { manifestOf } from './archive-save.js'
import type { RegistryClient } from './client.js'
import { jsonBytes, MEDIA, type Descriptor, type Manifest } from './oci.js'
import { familiar, parseReference, type Reference } from '../reference.js'
import { invalidArgument } from '../errors.js'

export interface PushHooks {
  progress(event: ProgressEvent): void
  /** A layer was gzip'd for the push: its digest, to skip compressing it when the registry has it. */
  rememberGzip(l: LayerRecord, gzip: { digest: string; size: number }): Promise<void>
  log: Logger
}

export async function pushImage(
  client: RegistryClient,
  layers: LayerStore,
  what: { image: ImageRecord; chain: LayerRecord[] },
  ref: Reference,
  hooks: PushHooks,
): Promise<string> {
  const { image, chain } = what
  const original = originalBlobs(layers, image, chain)
  const sources = sameHostRepos(image, ref)
  const pushed: Descriptor[] = []
  hooks.progress({ status: `The push refers to repository [${ref.domain}/${ref.path}]` })
  for (const l of [...chain].reverse()) hooks.progress({ id: itemId(l), status: 'Preparing' })
  for (const [i, l] of chain.entries()) {
    const ready = original?.blobs[i] ?? keptGzip(layers, l)
    const known = ready ?? (l.gzip && { ...l.gzip, mediaType: MEDIA.ociLayerGzip })
    if (known && (await present(client, ref, itemId(l), known.digest, sources, hooks))) {
      pushed.push(descriptor(known))
      continue
    }
    const b = ready ?? (await gzipBlob(layers, l, hooks.log))
    try {
      if (b.digest === known?.digest || !(await present(client, ref, itemId(l), b.digest, sources, hooks))) {
        const report = (current: number) =>
          hooks.progress({ id: itemId(l), layer: b.digest, status: 'Pushing', current, total: b.size })
        await client.upload(ref.path, b.digest, b.size, counted(b.read(), report))
        hooks.progress({ id: itemId(l), layer: b.digest, status: 'Pushed' })
      }
    } finally {
      b.done?.()
    }
    pushed.push(descriptor(b))
    if (!ready && l.gzip?.digest !== b.digest) await hooks.rememberGzip(l, { digest: b.digest, size: b.size })
  }
  if (!(await client.hasBlob(ref.path, image.id)))
    await client.upload(ref.path, image.id, image.config.length, once(Buffer.from(image.config)))
  const manifest = original?.manifest ?? {
    mediaType: MEDIA.ociManifest,
    bytes: jsonBytes(manifestOf(image, chain, pushed)),
  }
  const bytes = Buffer.from(manifest.bytes)
  const digest = sha256(bytes)
  // By digest (Docker 25+): the manifest goes under that digest, so it must be the one it names.
  if (ref.digest && digest !== ref.digest)
    throw invalidArgument(
      `cannot push ${familiar(ref)}: strata has its manifest as ${digest}, not that digest; push it by tag`,
    )
  await client.putManifest(ref.path, ref.tag ?? ref.digest ?? 'latest', manifest.mediaType, bytes)
  const label = ref.tag ?? (ref.digest ? null : 'latest')
  hooks.progress({ status: `${label ? `${label}: ` : ''}digest: ${digest} size: ${bytes.length}` })
  return digest
}

/** A layer's line in the progress, as Docker names it: its short diffID. */
const itemId = (l: LayerRecord): string => l.diffId.slice(7, 19)

/** The chunks as they are, telling `report` the bytes sent so far every MiB and at the end. */
async function* counted(chunks: AsyncIterable<Uint8Array>, report: (bytes: number) => void) {
  let bytes = 0
  let told = 0
  for await (const chunk of chunks) {
    bytes += chunk.length
    if (bytes - told >= 1 << 20) report((told = bytes))
    yield chunk
  }
  if (bytes !== told) report(bytes)
}

const descriptor = (b: Descriptor): Descriptor => ({ mediaType: b.mediaType, digest: b.digest, size: b.size })

/** Whether the registry has the blob already, or got it by a mount from a sibling repository. */
async function present(
  client: RegistryClient,
  ref: Reference,
  id: string,
  digest: string,
  sources: string[],
  hooks: PushHooks,
): Promise<boolean> {
  if (await client.hasBlob(ref.path, digest)) {
    hooks.progress({ id, layer: digest, status: 'Layer already exists' })
    return true
  }
  const from = await mountFrom(client, ref.path, digest, sources)
  if (from) hooks.progress({ id, layer: digest, status: `Mounted from ${from}` })
  return from !== undefined
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

/** The blob a layer was pulled as, when that was gzip: it goes back as it came. */
function keptGzip(layers: LayerStore, l: LayerRecord): Blob | undefined {
  if (!l.blob || !GZIP_TYPES.includes(l.blob.mediaType)) return undefined
  const path = layers.blobPath(l.chainId)
  return { digest: l.blob.digest, size: l.blob.size, mediaType: MEDIA.ociLayerGzip, read: () => fileStream(path) }
}

/** The layer's exact tar gzip'd into tmp/, as Docker pushes layers; `done` removes it. */
async function gzipBlob(layers: LayerStore, l: LayerRecord, log: Logger): Promise<Blob> {
  const path = join(mkdtempSync(join(layers.tmpDir, 'push-')), 'blob.gz')
  const done = () => rmSync(dirname(path), { recursive: true, force: true })
  try {
    const started = Date.now()
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
    log.info('gzipped a layer to push it', { layer: l.diffId, digest, bytes: size, ms: Date.now() - started })
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
