/**
 * A pull as `docker pull` makes it, for image.pull and for a build whose base image is not here:
 * the layers downloaded and staged outside the metadata queue, then layers, image and tag recorded
 * in one batch inside it; the lines that follow the layers' events (`Digest: …`, `Status: …`).
 * Tests: test/integration/registry.test.ts, test/integration/image-build-pull.test.ts
 */
import type { ProgressEvent } from '../../client/protocol.js'
import { invalidArgument } from '../errors.js'
import { RegistryClient, type Credentials } from '../registry/client.js'
import type { Platform } from '../registry/oci.js'
import { pullImage, type Pulled } from '../registry/pull.js'
import { canonical, familiar, type Reference } from '../reference.js'
import { ociArch } from '../store/image-config.js'
import type { Services } from './services.js'

export interface PullOptions {
  platform: Platform
  credentials?: Credentials | undefined
  signal: AbortSignal
  progress: (e: ProgressEvent) => void
}

/** Pulls `ref` and records it; the `Digest` and `Status` lines go out last, as Docker prints them. */
export async function pullAndRecord(s: Services, ref: Reference, o: PullOptions): Promise<Pulled> {
  const before = await imageIdOf(s, ref)
  const client = new RegistryClient(ref.domain, { insecure: s.config.insecureRegistries, credentials: o.credentials })
  const pulled = await pullImage(
    client,
    s.layers,
    ref,
    o.platform,
    o.signal,
    o.progress,
    s.config.maxConcurrentDownloads,
  )
  try {
    await s.metadata.add((lock) =>
      s.layers.record(lock, pulled.staged, async (ops) => {
        o.signal.throwIfAborted()
        await s.images.add(lock, { ...pulled.image, size: await sizeOf(s, pulled) }, ops, ref.tag ? [ref] : [])
      }),
    )
  } finally {
    s.layers.discard(pulled.staged)
  }
  o.progress({ status: `Digest: ${pulled.namedDigest}` }) // as Docker: the index's, for an index
  const news = before === pulled.image.id ? 'Image is up to date for' : 'Downloaded newer image for'
  o.progress({ status: `Status: ${news} ${familiar(ref)}` })
  return pulled
}

/** `os/arch[/variant]`, or this host's platform when not given. */
export function platformOf(text: string | undefined): Platform {
  if (!text) return { os: 'linux', architecture: ociArch() }
  const [os, architecture, variant] = text.split('/')
  if (!os || !architecture) throw invalidArgument(`invalid platform ${text}: want os/arch[/variant]`)
  return { os, architecture, ...(variant ? { variant } : {}) }
}

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
