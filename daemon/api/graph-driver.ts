/**
 * GraphDriver in inspect JSON, as Docker's overlay2 shows it: for an image, its top layer is
 * UpperDir and the layers under it LowerDir (top first, as in lowerdir=; absent for a one-layer
 * image, Data null for one without layers); MergedDir and WorkDir are named as overlay2 names
 * them in the top layer's directory, although no image is ever mounted there. For a container,
 * its upper/ and work/, its image's layers as LowerDir, and MergedDir where it is (or would be)
 * mounted.
 * Tests: test/integration/cli-inspect.test.ts
 */
import { dirname, join } from 'node:path'
import type { ContainerPaths } from '../containers/paths.js'
import type { ChainId } from '../digests.js'
import type { LayerStore } from '../layers/layer-store.js'
import type { ContainerRecord } from '../store/containers.js'

export const DRIVER_NAME = 'strata-fuse'

export interface GraphDriver {
  Name: string
  Data: Record<string, string> | null
}

type Layers = Pick<LayerStore, 'chain' | 'diffDir'>

async function dirsOf(layers: Layers, top: ChainId | null): Promise<string[]> {
  return top ? (await layers.chain(top)).map((l) => layers.diffDir(l.chainId)) : []
}

export async function imageGraphDriver(layers: Layers, top: ChainId | null): Promise<GraphDriver> {
  const [upper, ...lower] = await dirsOf(layers, top)
  if (!upper) return { Name: DRIVER_NAME, Data: null }
  const dir = dirname(upper)
  return {
    Name: DRIVER_NAME,
    Data: {
      ...(lower.length ? { LowerDir: lower.join(':') } : {}),
      MergedDir: join(dir, 'merged'),
      UpperDir: upper,
      WorkDir: join(dir, 'work'),
    },
  }
}

export async function containerGraphDriver(
  layers: Layers,
  c: ContainerRecord,
  paths: ContainerPaths,
): Promise<GraphDriver> {
  const lower = await dirsOf(layers, c.topLayer)
  return {
    Name: DRIVER_NAME,
    Data: {
      LowerDir: (lower.length ? lower : [paths.empty]).join(':'),
      MergedDir: c.mount?.target ?? paths.merged,
      UpperDir: paths.upper,
      WorkDir: paths.work,
    },
  }
}
