/**
 * OCI image-spec and Docker image formats as strata reads and writes them: media types,
 * descriptors, manifests, indexes, and the `manifest.json` of a docker-archive. Facts from the
 * specs; parsing from outside is in archive-load.ts (and, later, the registry client).
 */
export const MEDIA = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
} as const

export const ANNOTATION = {
  /** The full reference, as containerd and Docker 25+ write it. */
  imageName: 'io.containerd.image.name',
  /** A tag, or (as podman writes it) a full reference. */
  refName: 'org.opencontainers.image.ref.name',
} as const

export interface Platform {
  architecture: string
  os: string
  variant?: string
}

export interface Descriptor {
  mediaType: string
  digest: string
  size: number
  annotations?: Record<string, string>
  platform?: Platform
}

export interface Manifest {
  schemaVersion: 2
  mediaType?: string
  config: Descriptor
  layers: Descriptor[]
  annotations?: Record<string, string>
}

export interface Index {
  schemaVersion: 2
  mediaType?: string
  manifests: Descriptor[]
  annotations?: Record<string, string>
}

/** One element of a docker-archive's manifest.json. */
export interface ArchiveManifestEntry {
  Config: string
  RepoTags: string[] | null
  Layers: string[]
}

export const OCI_LAYOUT = { imageLayoutVersion: '1.0.0' } as const

/** JSON in a stable form (keys as written), as the bytes that are digested. */
export const jsonBytes = (v: unknown): Buffer => Buffer.from(JSON.stringify(v))
