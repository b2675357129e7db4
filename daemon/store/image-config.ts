/**
 * The OCI image config (what an image ID is the digest of): its types, building one for
 * `import`, and encoding it deterministically. The bytes an image was loaded or pulled with are
 * kept as they came; only configs strata makes are encoded here.
 */
import { arch } from 'node:os'
import type { DiffId } from '../digests.js'

export interface ContainerConfig {
  User?: string
  ExposedPorts?: Record<string, Record<string, never>>
  Env?: string[]
  Entrypoint?: string[] | null
  Cmd?: string[] | null
  Healthcheck?: { Test: string[]; Interval?: number; Timeout?: number; StartPeriod?: number; Retries?: number }
  Volumes?: Record<string, Record<string, never>>
  WorkingDir?: string
  Labels?: Record<string, string>
  StopSignal?: string
  OnBuild?: string[] | null
  /** SHELL: what runs a later build's shell-form RUN, CMD and ENTRYPOINT (none: /bin/sh -c). */
  Shell?: string[]
}

export interface HistoryEntry {
  created?: string
  created_by?: string
  author?: string
  comment?: string
  empty_layer?: boolean
}

export interface ImageConfig {
  architecture: string
  author?: string
  comment?: string
  config: ContainerConfig
  created: string
  history: HistoryEntry[]
  os: string
  rootfs: { type: 'layers'; diff_ids: string[] }
  variant?: string
}

/** Node's arch names in OCI's vocabulary (GOARCH). */
export function ociArch(nodeArch = arch()): string {
  return (
    (
      { x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x' } as Record<
        string,
        string
      >
    )[nodeArch] ?? nodeArch
  )
}

export function importConfig(
  diffId: DiffId,
  config: ContainerConfig,
  message: string | undefined,
  source: string,
): ImageConfig {
  const created = new Date().toISOString()
  return {
    architecture: ociArch(),
    ...(message ? { comment: message } : {}),
    config,
    created,
    history: [{ created, created_by: '', comment: message || `Imported from ${source}` }],
    os: 'linux',
    rootfs: { type: 'layers', diff_ids: [diffId] },
  }
}

/** Stable key order, so the same config always has the same ID. */
export function encodeConfig(c: ImageConfig): Buffer {
  return Buffer.from(JSON.stringify(sortKeys(c)))
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys)
  if (typeof v !== 'object' || v === null) return v
  return Object.fromEntries(
    Object.keys(v)
      .sort()
      .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
  )
}

/** Parses config bytes from outside (a load, a pull), checking the parts strata relies on. */
export function parseConfig(bytes: Buffer): ImageConfig {
  const c = JSON.parse(bytes.toString('utf8')) as Partial<ImageConfig>
  if (c?.rootfs?.type !== 'layers' || !Array.isArray(c.rootfs.diff_ids))
    throw new Error('image config has no rootfs.diff_ids')
  return { ...c, config: c.config ?? {}, history: c.history ?? [] } as ImageConfig
}
