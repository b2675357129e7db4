/**
 * What a read archive (archive-read.ts) holds: its images, each with its config, its layer files
 * in order and its tags. A docker-archive says so in manifest.json; an OCI layout in index.json
 * (nested indexes followed, the host's platform chosen). Every digest and diffID is checked:
 * a blob must hash to its descriptor's digest, a layer's diffID must match the config's.
 * Errors: INVALID_ARGUMENT naming the file and what is wrong.
 */
import { invalidArgument } from '../errors.js'
import { parseDiffId, sha256, type DiffId } from '../digests.js'
import type { StagedLayer } from '../layers/layer-store.js'
import { ociArch, parseConfig } from '../store/image-config.js'
import type { ArchiveFiles } from './archive-read.js'
import { ANNOTATION, MEDIA, type ArchiveManifestEntry, type Descriptor, type Index, type Manifest } from './oci.js'
import { parseReference, withDefaultTag, type Reference } from '../reference.js'

export interface PlannedImage {
  id: string
  config: Buffer
  created: string
  /** Bottom first, each checked against the config's diffIDs. */
  layers: StagedLayer[]
  tags: Reference[]
}

export function planArchive(files: ArchiveFiles): PlannedImage[] {
  if (files.json.has('manifest.json')) return fromDockerArchive(files)
  if (files.json.has('index.json')) return fromOciLayout(files)
  throw invalidArgument('not an image archive: it has neither manifest.json (docker-archive) nor index.json (OCI)')
}

function fromDockerArchive(files: ArchiveFiles): PlannedImage[] {
  const entries = parseJson<ArchiveManifestEntry[]>(files, 'manifest.json')
  if (!Array.isArray(entries)) throw invalidArgument('manifest.json is not a list')
  return entries.map((e, i) => {
    if (typeof e?.Config !== 'string' || !Array.isArray(e.Layers))
      throw invalidArgument(`manifest.json entry ${i} lacks Config or Layers`)
    const config = jsonFile(files, e.Config)
    const tags = (e.RepoTags ?? []).map((t) => withDefaultTag(parseReference(String(t))))
    return image(
      config,
      e.Config,
      e.Layers.map((p) => stagedFile(files, String(p))),
      tags,
    )
  })
}

function fromOciLayout(files: ArchiveFiles): PlannedImage[] {
  const index = parseJson<Index>(files, 'index.json')
  if (!Array.isArray(index?.manifests)) throw invalidArgument('index.json has no manifests list')
  const byId = new Map<string, PlannedImage>()
  for (const d of index.manifests) {
    const manifestDesc = selectManifest(files, d)
    const manifest = parseJson<Manifest>(files, blobOf(files, manifestDesc))
    if (!manifest?.config || !Array.isArray(manifest.layers))
      throw invalidArgument(`manifest ${manifestDesc.digest} lacks config or layers`)
    const configPath = blobOf(files, manifest.config)
    const layers = manifest.layers.map((l) => {
      const path = blobPath(l.digest)
      const blob = stagedFile(files, path)
      if (blob.digest !== l.digest) throw invalidArgument(`blob ${path} does not match its digest`)
      return blob
    })
    const planned = byId.get(manifest.config.digest) ?? image(jsonFile(files, configPath), configPath, layers, [])
    const tag = tagOf(d.annotations ?? {})
    if (tag) planned.tags.push(tag)
    byId.set(planned.id, planned)
  }
  return [...byId.values()]
}

/** Follows an index (nested ones too) to the manifest for this host's platform. */
function selectManifest(files: ArchiveFiles, d: Descriptor, depth = 0): Descriptor {
  if (d.mediaType !== MEDIA.ociIndex && d.mediaType !== MEDIA.dockerList) return d
  if (depth > 4) throw invalidArgument('image indexes are nested too deeply')
  const nested = parseJson<Index>(files, blobOf(files, d))
  const want = { os: 'linux', architecture: ociArch() }
  const match = nested.manifests?.find(
    (m) => m.platform?.os === want.os && m.platform?.architecture === want.architecture,
  )
  if (!match) throw invalidArgument(`no image for ${want.os}/${want.architecture} in index ${d.digest}`)
  return selectManifest(files, match, depth + 1)
}

/** containerd's full name wins; podman puts a full reference in ref.name; a bare tag names nothing. */
function tagOf(a: Record<string, string>): Reference | undefined {
  const name = a[ANNOTATION.imageName] ?? (a[ANNOTATION.refName]?.includes(':') ? a[ANNOTATION.refName] : undefined)
  return name ? withDefaultTag(parseReference(name)) : undefined
}

function image(config: Buffer, where: string, blobs: StagedLayer[], tags: Reference[]): PlannedImage {
  let parsed
  try {
    parsed = parseConfig(config)
  } catch (err) {
    throw invalidArgument(`image config ${where}: ${(err as Error).message}`)
  }
  const diffIds = parsed.rootfs.diff_ids.map((d) => parseDiffId(d) as DiffId)
  if (diffIds.length !== blobs.length)
    throw invalidArgument(`image config ${where} lists ${diffIds.length} layers, its manifest ${blobs.length}`)
  blobs.forEach((b, i) => {
    if (b.layer.diffId !== diffIds[i])
      throw invalidArgument(`layer ${i} of ${where}: diffID ${b.layer.diffId}, the config says ${diffIds[i]}`)
  })
  return { id: sha256(config), config, created: parsed.created ?? '', layers: blobs, tags }
}

function stagedFile(files: ArchiveFiles, path: string): StagedLayer & { digest: string } {
  const p = resolve(files, path)
  const blob = files.layers.get(p)
  if (!blob) throw invalidArgument(`layer ${path} is not in the archive`)
  if (!blob.staged) throw invalidArgument(`layer ${path}: ${blob.error?.message ?? 'not a layer'}`)
  return { ...blob.staged, digest: blob.digest }
}

function jsonFile(files: ArchiveFiles, path: string): Buffer {
  const bytes = files.json.get(resolve(files, path))
  if (!bytes) throw invalidArgument(`${path} is not in the archive`)
  return bytes
}

function parseJson<T>(files: ArchiveFiles, path: string): T {
  try {
    return JSON.parse(jsonFile(files, path).toString('utf8')) as T
  } catch (err) {
    if (err instanceof SyntaxError) throw invalidArgument(`${path} is not valid JSON: ${err.message}`)
    throw err
  }
}

/** The path of a descriptor's blob, after checking the bytes there hash to its digest. */
function blobOf(files: ArchiveFiles, d: Descriptor): string {
  const path = blobPath(d.digest)
  if (sha256(jsonFile(files, path)) !== d.digest) throw invalidArgument(`blob ${path} does not match its digest`)
  return path
}

function blobPath(digest: unknown): string {
  if (typeof digest !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(digest))
    throw invalidArgument(`unsupported or malformed digest ${JSON.stringify(digest)}`)
  return `blobs/sha256/${digest.slice(7)}`
}

/** Follows symlinks and hard links inside the archive (legacy archives link repeated layers). */
function resolve(files: ArchiveFiles, path: string): string {
  let p = path.replace(/^\.\//, '')
  for (let hops = 0; files.aliases.has(p); hops++) {
    if (hops > 16) throw invalidArgument(`${path}: too many links`)
    p = files.aliases.get(p) as string
  }
  return p
}
