/**
 * `save`: images as one tar that is both a docker-archive (manifest.json) and an OCI image
 * layout (oci-layout, index.json, blobs/), as Docker 25+ writes it. Blobs are the configs as
 * stored, the layers' exact tars (uncompressed, so a layer's blob digest is its diffID) and one
 * OCI manifest per image. The archive is deterministic: sorted blobs, fixed headers, time 0, so
 * saving the same images twice gives the same bytes, and a loaded archive saves back the same.
 */
import type { ChainId } from '../digests.js'
import { hexOf, sha256 } from '../digests.js'
import type { LayerStore } from '../layers/layer-store.js'
import type { LayerRecord } from '../store/layer-records.js'
import { END, entryHeader, padding } from '../tar/tar-writer.js'
import type { ImageRecord } from '../store/images.js'
import { canonical, familiar, type Reference } from '../reference.js'
import {
  ANNOTATION,
  jsonBytes,
  MEDIA,
  OCI_LAYOUT,
  type ArchiveManifestEntry,
  type Descriptor,
  type Index,
  type Manifest,
} from './oci.js'

export interface SaveItem {
  image: ImageRecord
  /** Its layers, base first, read with the image (the caller leases their directories). */
  chain: LayerRecord[]
  /** The tags to record for it (none when it was named by ID). */
  tags: Reference[]
}

type Blob = { digest: string; size: number } & ({ bytes: Buffer } | { layer: ChainId })

/** Everything but the layer bodies is computed first: the tar's size and order are known. */
export async function* saveArchive(items: SaveItem[], layers: LayerStore): AsyncGenerator<Buffer> {
  const blobs = new Map<string, Blob>()
  const index: Index = { schemaVersion: 2, mediaType: MEDIA.ociIndex, manifests: [] }
  const archive: ArchiveManifestEntry[] = []
  for (const { image, chain, tags } of items) {
    const manifest = manifestOf(image, chain)
    for (const l of chain) blobs.set(l.diffId, { digest: l.diffId, size: l.size, layer: l.chainId })
    blobs.set(image.id, { digest: image.id, size: image.config.length, bytes: image.config })
    const bytes = jsonBytes(manifest)
    const desc: Descriptor = { mediaType: MEDIA.ociManifest, digest: sha256(bytes), size: bytes.length }
    blobs.set(desc.digest, { ...desc, bytes })
    index.manifests.push(...indexEntries(desc, tags))
    archive.push({
      Config: blobPath(image.id),
      RepoTags: tags.map((t) => familiar(t)),
      Layers: chain.map((l) => blobPath(l.diffId)),
    })
  }
  yield* dir('blobs/')
  yield* dir('blobs/sha256/')
  for (const b of [...blobs.values()].sort((x, y) => (x.digest < y.digest ? -1 : 1))) {
    yield* entryHeader({ name: blobPath(b.digest), type: 'file', mode: 0o444, mtime: 0, size: b.size })
    if ('bytes' in b) yield b.bytes
    else yield* layers.export(b.layer)
    yield padding(b.size)
  }
  yield* file('index.json', jsonBytes(index))
  yield* file('manifest.json', jsonBytes(archive))
  yield* file('oci-layout', jsonBytes(OCI_LAYOUT))
  yield END
}

/** The image's OCI manifest; its layers as their exact tars unless other blobs are given. */
export function manifestOf(image: ImageRecord, chain: LayerRecord[], blobs?: Descriptor[]): Manifest {
  return {
    schemaVersion: 2,
    mediaType: MEDIA.ociManifest,
    config: { mediaType: MEDIA.ociConfig, digest: image.id, size: image.config.length },
    layers: blobs ?? chain.map((l) => ({ mediaType: MEDIA.ociLayer, digest: l.diffId, size: l.size })),
  }
}

/** One index entry per tag (named as containerd and Docker do), or one bare entry without tags. */
function indexEntries(desc: Descriptor, tags: Reference[]): Descriptor[] {
  if (!tags.length) return [desc]
  return tags.map((t) => ({
    ...desc,
    annotations: { [ANNOTATION.imageName]: canonical(t), [ANNOTATION.refName]: t.tag ?? 'latest' },
  }))
}

const blobPath = (digest: string): string => `blobs/sha256/${hexOf(digest)}`

function* dir(name: string): Generator<Buffer> {
  yield* entryHeader({ name, type: 'dir', mode: 0o755, mtime: 0 })
}

function* file(name: string, bytes: Buffer): Generator<Buffer> {
  yield* entryHeader({ name, type: 'file', mode: 0o644, mtime: 0, size: bytes.length })
  yield bytes
  yield padding(bytes.length)
}
