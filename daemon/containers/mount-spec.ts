/**
 * Mount specs (client/protocol.ts MountSpec): a container's is its image's layer directories,
 * top first as in lowerdir=, under its upper/, with work/ and the journal, and its init layer on
 * top once it has run a process; an image's view is its layers alone, read-only. diff and export
 * take the image's layers (layerDirs, lease.ts): the init layer holds no change of the container's.
 * Never: mounts anything (counted-mount.ts does) or changes a record.
 * Tests: test/unit/containers/mount-spec.test.ts
 */
import { existsSync, mkdirSync } from 'node:fs'
import type { MountSpec } from '../../client/protocol.js'
import type { ChainId } from '../digests.js'
import type { LayerStore } from '../layers/layer-store.js'
import type { ContainerPaths } from './paths.js'

/** What a spec needs of the layer store. */
export type LayerDirs = Pick<LayerStore, 'chain' | 'diffDir'>

/** The directories of a layer and its parents, top first; none without a layer. */
export async function layerDirs(layers: LayerDirs, top: ChainId | null): Promise<string[]> {
  return top ? (await layers.chain(top)).map((l) => layers.diffDir(l.chainId)) : []
}

/** `dirs`, or the container's one empty directory when there are none: a union needs a lower. */
export function atLeastOneLower(dirs: string[], paths: ContainerPaths): string[] {
  if (dirs.length) return dirs
  mkdirSync(paths.empty, { recursive: true })
  return [paths.empty]
}

/**
 * A container's read-write root filesystem: its init layer (etc-files.ts), once it has one, on
 * top of its image's layers.
 */
export async function containerSpec(layers: LayerDirs, top: ChainId | null, paths: ContainerPaths): Promise<MountSpec> {
  const init = existsSync(paths.init) ? [paths.init] : []
  return {
    lowerdirs: atLeastOneLower([...init, ...(await layerDirs(layers, top))], paths),
    upperdir: paths.upper,
    workdir: paths.work,
    journal: paths.journal,
    readonly: false,
  }
}

/** An image's read-only view. */
export async function viewSpec(layers: LayerDirs, top: ChainId): Promise<MountSpec> {
  return { lowerdirs: await layerDirs(layers, top), readonly: true }
}
