/**
 * Builds image archives for load tests, independently of strata's own save: a legacy
 * docker-archive (`<id>/layer.tar`, duplicate layers as symlinks, as Docker before 25 wrote
 * them) or an OCI image layout (blobs/sha256, index.json), optionally with gzip'd layer blobs.
 */
import { createHash } from 'node:crypto'
import { gzipSync } from 'node:zlib'
import { tar, type Item } from './tar-builder.js'

export interface TestImage {
  layers: Buffer[]
  tags?: string[]
  /** Extra config fields (Cmd, Labels, …) and a created time. */
  config?: Record<string, unknown>
  /** Write these diffIDs into the config instead of the true ones. */
  diffIds?: string[]
  /** The config's architecture (amd64 when not given). */
  architecture?: string
  /** No `created` in the config or its history, as some OCI images have it. */
  undated?: boolean
}

export const digestOf = (b: Buffer | string): string => `sha256:${createHash('sha256').update(b).digest('hex')}`
const hex = (d: string): string => d.slice(7)

const CREATED = '2026-01-02T03:04:05Z'

export function configOf(img: TestImage): Buffer {
  return Buffer.from(
    JSON.stringify({
      architecture: img.architecture ?? 'amd64',
      os: 'linux',
      ...(img.undated ? {} : { created: CREATED }),
      config: img.config ?? {},
      rootfs: { type: 'layers', diff_ids: img.diffIds ?? img.layers.map((l) => digestOf(l)) },
      history: img.layers.map(() => ({ ...(img.undated ? {} : { created: CREATED }), created_by: 'test' })),
    }),
  )
}

export const imageIdOf = (img: TestImage): string => digestOf(configOf(img))

/** Docker's format before 25: one directory per layer, a repeated layer is a symlink. */
export function legacyDockerArchive(images: TestImage[]): Buffer {
  const items: Item[] = []
  const seen = new Map<string, string>()
  const manifest = images.map((img, n) => {
    const config = configOf(img)
    items.push({ file: `${hex(digestOf(config))}.json`, body: config })
    const layers = img.layers.map((l, i) => {
      const id = hex(digestOf(`${digestOf(l)}/${n}/${i}`))
      const first = seen.get(digestOf(l))
      items.push({ dir: `${id}/` }, { file: `${id}/VERSION`, body: '1.0' })
      if (first) items.push({ symlink: `${id}/layer.tar`, to: `../${first}/layer.tar` })
      else items.push({ file: `${id}/layer.tar`, body: l })
      seen.set(digestOf(l), first ?? id)
      return `${id}/layer.tar`
    })
    return { Config: `${hex(digestOf(config))}.json`, RepoTags: img.tags ?? [], Layers: layers }
  })
  items.push({ file: 'manifest.json', body: JSON.stringify(manifest) })
  return tar(items)
}

/** An OCI image layout; `gzip` compresses the layer blobs; manifests first to test ordering. */
export function ociLayout(images: TestImage[], opts: { gzip?: boolean } = {}): Buffer {
  const blobs = new Map<string, Buffer>()
  const add = (b: Buffer) => {
    blobs.set(digestOf(b), b)
    return { digest: digestOf(b), size: b.length }
  }
  const manifests = images.flatMap((img) => {
    const layers = img.layers.map((l) => ({
      mediaType: `application/vnd.oci.image.layer.v1.tar${opts.gzip ? '+gzip' : ''}`,
      ...add(opts.gzip ? gzipSync(l) : l),
    }))
    const config = { mediaType: 'application/vnd.oci.image.config.v1+json', ...add(configOf(img)) }
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, config, layers }))
    const desc = { mediaType: 'application/vnd.oci.image.manifest.v1+json', ...add(manifest) }
    const tags = img.tags ?? []
    if (!tags.length) return [desc]
    return tags.map((t) => ({ ...desc, annotations: { 'io.containerd.image.name': t } }))
  })
  const items: Item[] = [
    { file: 'oci-layout', body: '{"imageLayoutVersion":"1.0.0"}' },
    { file: 'index.json', body: JSON.stringify({ schemaVersion: 2, manifests }) },
    { dir: 'blobs/' },
    { dir: 'blobs/sha256/' },
  ]
  for (const [d, b] of blobs) items.push({ file: `blobs/sha256/${hex(d)}`, body: b })
  return tar(items)
}
