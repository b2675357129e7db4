/**
 * Pull: resolve a reference to a manifest (an index or manifest list resolved to the platform
 * asked for), fetch and check the config, download the layers this store lacks in parallel
 * (bounded), each blob's digest verified while it is unpacked into staging. Nothing is recorded
 * here: the caller records layers, image and tag in one batch under the metadata queue, so a
 * failed pull leaves staging only, which is removed, and pulling again starts over.
 * Progress: Docker's events: `TAG: Pulling from REPO`, then per layer (its blob's short digest)
 * `Already exists` or `Pulling fs layer`, `Downloading` (bytes), `Verifying Checksum`, `Download
 * complete`, `Extracting` (bytes), `Pull complete`.
 * Errors: NOT_FOUND (unknown tag or platform), INVALID_ARGUMENT (digest or diffID mismatch,
 * malformed manifests), UNAVAILABLE and PERMISSION_DENIED from the client.
 */
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import PQueue from 'p-queue'
import type { ProgressEvent } from '../../client/protocol.js'
import { invalidArgument, notFound } from '../errors.js'
import { chainIdOf, parseDiffId, sha256, type ChainId, type DiffId } from '../digests.js'
import type { LayerStore, StagedLayer } from '../layers/layer-store.js'
import { parseConfig } from '../store/image-config.js'
import type { ImageRecord } from '../store/images.js'
import type { RegistryClient } from './client.js'
import { downloadBlob } from './download.js'
import { MEDIA, type Descriptor, type Index, type Manifest, type Platform } from './oci.js'
import { canonical, familiarName, type Reference } from '../reference.js'
import { readAll } from '../tar/byte-reader.js'

const ACCEPT = [MEDIA.ociIndex, MEDIA.ociManifest, MEDIA.dockerList, MEDIA.dockerManifest]

export interface Pulled {
  image: ImageRecord
  /** The layers that were missing, bottom first, to be recorded with the image. */
  staged: StagedLayer[]
  /** The image's layers, bottom first. */
  chainIds: ChainId[]
  manifestDigest: string
  /** The digest the reference names: an index's for a multi-platform image, else the manifest's. */
  namedDigest: string
}

/** Per-layer progress, as the CLI draws it (client/cli/progress.ts). */
export type PullProgress = (e: ProgressEvent) => void

export async function pullImage(
  client: RegistryClient,
  layers: LayerStore,
  ref: Reference,
  platform: Platform,
  signal: AbortSignal,
  progress: PullProgress = () => undefined,
  parallel = 3,
): Promise<Pulled> {
  const {
    manifest,
    digest,
    bytes: manifestBytes,
    mediaType: manifestType,
    named,
  } = await resolveManifest(client, ref, platform)
  const configBytes = await readAll(client.blob(ref.path, manifest.config.digest))
  if (sha256(configBytes) !== manifest.config.digest)
    throw invalidArgument(`config blob ${manifest.config.digest} does not match its digest`)
  const config = parseConfig(configBytes)
  const diffIds = config.rootfs.diff_ids.map((d) => parseDiffId(d))
  if (diffIds.length !== manifest.layers.length)
    throw invalidArgument(`the config lists ${diffIds.length} layers, the manifest ${manifest.layers.length}`)
  const chainIds: ChainId[] = []
  diffIds.forEach((d, i) => chainIds.push(chainIdOf(i ? (chainIds[i - 1] as ChainId) : null, d)))
  progress({ status: `${ref.digest ? canonical(ref) : (ref.tag ?? 'latest')}: Pulling from ${ref.path}` })
  const staged = await download(client, layers, ref, manifest.layers, diffIds, chainIds, signal, progress, parallel)
  return {
    image: {
      id: sha256(configBytes),
      config: configBytes,
      topLayer: chainIds.at(-1) ?? null,
      size: 0, // filled in by the caller from the layer records
      created: config.created ?? '',
      parent: null,
      // As Docker: the digest the reference names (an index's, for a multi-platform image).
      digests: [`${familiarName(ref)}@${named}`],
      addedAt: new Date().toISOString(),
      manifest: { mediaType: manifestType || MEDIA.ociManifest, bytes: manifestBytes },
    },
    staged,
    chainIds,
    manifestDigest: digest,
    namedDigest: named,
  }
}

async function resolveManifest(client: RegistryClient, ref: Reference, platform: Platform) {
  let fetched = await client.manifest(ref.path, ref.digest ?? ref.tag ?? 'latest', ACCEPT)
  const digest = sha256(fetched.bytes)
  if (ref.digest && digest !== ref.digest) throw invalidArgument(`manifest of ${ref.path} does not match ${ref.digest}`)
  let doc = parse<Manifest & Index>(fetched.bytes)
  let type = doc.mediaType ?? fetched.mediaType
  if (type === MEDIA.ociIndex || type === MEDIA.dockerList || (!doc.config && Array.isArray(doc.manifests))) {
    const match = (doc.manifests ?? []).find((m: Descriptor) => matches(m.platform, platform))
    if (!match) throw notFound(`no image for ${platform.os}/${platform.architecture} in ${ref.path}`)
    fetched = await client.manifest(ref.path, match.digest, ACCEPT)
    if (sha256(fetched.bytes) !== match.digest)
      throw invalidArgument(`manifest ${match.digest} does not match its digest`)
    doc = parse<Manifest & Index>(fetched.bytes)
    type = doc.mediaType ?? fetched.mediaType
    if (!doc.config || !Array.isArray(doc.layers))
      throw invalidArgument(`manifest ${match.digest} has no config or layers`)
    return { manifest: doc as Manifest, digest: match.digest, bytes: fetched.bytes, mediaType: type, named: digest }
  }
  if (!doc.config || !Array.isArray(doc.layers))
    throw invalidArgument(`manifest of ${ref.path} (${type}) has no config or layers`)
  return { manifest: doc as Manifest, digest, bytes: fetched.bytes, mediaType: type, named: digest }
}

const matches = (p: Platform | undefined, want: Platform): boolean =>
  p !== undefined &&
  p.os === want.os &&
  p.architecture === want.architecture &&
  (!want.variant || p.variant === want.variant)

/** The missing layers, downloaded and staged in parallel, bottom first. */
async function download(
  client: RegistryClient,
  layers: LayerStore,
  ref: Reference,
  descriptors: Descriptor[],
  diffIds: DiffId[],
  chainIds: ChainId[],
  signal: AbortSignal,
  progress: PullProgress,
  parallel: number,
): Promise<StagedLayer[]> {
  const queue = new PQueue({ concurrency: parallel })
  const out: Array<StagedLayer | undefined> = []
  const failed = new AbortController() // the first failure stops the other downloads
  const stop = AbortSignal.any([signal, failed.signal])
  // Docker's order: each layer's first line, bottom first, before any download starts.
  const missing: boolean[] = []
  for (const [i, d] of descriptors.entries()) {
    missing[i] = !(await layers.has(chainIds[i] as ChainId))
    progress({ id: d.digest.slice(7, 19), status: missing[i] ? 'Pulling fs layer' : 'Already exists' })
  }
  const results = await Promise.allSettled(
    descriptors.map((d, i) =>
      queue
        .add(async () => {
          const id = d.digest.slice(7, 19)
          if (stop.aborted || !missing[i]) return
          const parent = i ? (chainIds[i - 1] as ChainId) : null
          out[i] = await stageBlob(client, layers, ref, d, parent, diffIds[i] as DiffId, stop, (status, current) =>
            progress({ id, status, ...(current === undefined ? {} : { current, total: d.size }) }),
          )
          // Unpacked while it downloaded: Extracting is at its end already, as Docker's bar would be.
          progress({ id, status: 'Extracting', current: d.size, total: d.size })
          progress({ id, status: 'Pull complete' })
        })
        .catch((err: unknown) => {
          failed.abort(err)
          throw err
        }),
    ),
  )
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
  if (failure || signal.aborted) {
    layers.discard(out.filter((s): s is StagedLayer => s !== undefined))
    throw failure?.reason ?? signal.reason
  }
  return out.filter((s): s is StagedLayer => s !== undefined)
}

async function stageBlob(
  client: RegistryClient,
  layers: LayerStore,
  ref: Reference,
  d: Descriptor,
  parent: ChainId | null,
  diffId: DiffId,
  signal: AbortSignal,
  report: (status: string, current?: number) => void,
): Promise<StagedLayer> {
  const hash = createHash('sha256')
  const dl = await downloadBlob(client, join(layers.tmpDir, 'downloads'), ref.path, d.digest)
  if (dl.resumedAt) report(`Resuming from ${dl.resumedAt} bytes`, dl.resumedAt)
  let bytes = 0
  let told = 0
  // Read by hand, not by for-await: when the layer proves bad the rest is still there to hash.
  const source = dl.body[Symbol.asyncIterator]()
  const hashed = async () => {
    const n = await source.next()
    if (n.done) return undefined
    hash.update(n.value)
    bytes += n.value.length
    return n.value
  }
  const body = (async function* () {
    for (let chunk = await hashed(); chunk; chunk = await hashed()) {
      signal.throwIfAborted()
      if (bytes - told >= 1 << 20 || bytes === d.size) report('Downloading', (told = bytes))
      yield chunk
    }
  })()
  const mismatch = (cause?: unknown) => invalidArgument(`layer blob ${d.digest} does not match its digest`, { cause })
  let staged: StagedLayer
  try {
    staged = await layers.stage(parent, body, { expectDiffId: diffId, signal })
  } catch (err) {
    if ((err as { code?: string }).code !== 'INVALID_ARGUMENT') {
      await dl.stop()
      throw err
    }
    dl.discard() // wrong bytes: do not resume from them
    // A layer that does not unpack is most often a blob damaged on the way or at rest: say so.
    while (bytes <= d.size && (await hashed()));
    if (`sha256:${hash.digest('hex')}` !== d.digest) throw mismatch(err)
    throw err
  }
  report('Verifying Checksum')
  if (`sha256:${hash.digest('hex')}` !== d.digest) {
    dl.discard()
    layers.discard([staged])
    throw mismatch()
  }
  report('Download complete')
  // A compressed blob is kept as it came (its verified download moves in): pushing the image
  // unchanged sends the same bytes back.
  if (d.digest === diffId) {
    dl.done()
    return staged
  }
  try {
    return layers.withBlob(staged, { digest: d.digest, mediaType: d.mediaType }, (path) => dl.done(path))
  } catch (err) {
    layers.discard([staged])
    throw err
  }
}

function parse<T>(bytes: Buffer): T {
  try {
    return JSON.parse(bytes.toString('utf8')) as T
  } catch (err) {
    throw invalidArgument(`malformed manifest: ${(err as Error).message}`)
  }
}
