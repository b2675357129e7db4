/**
 * The end of a step that changed files: the container's writable layer becomes the step's layer
 * (copied as commit does, diff/upper-layer.ts; none when it changed nothing) and its image is
 * recorded, layer and image in one batch; then the container goes (Docker's
 * `Removing intermediate container`). The container is not running and not mounted by then.
 * filesStep is the whole of a step that writes files itself (COPY, ADD, WORKDIR): through a step
 * container's mount, or for the first step of `FROM scratch` into a fresh tree that is the layer.
 * Tests: test/integration/image-build.test.ts
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { copyUpper } from '../diff/upper-layer.js'
import type { ChainId } from '../digests.js'
import type { ContainerRecord } from '../store/containers.js'
import type { ImageRecord } from '../store/images.js'
import type { BuildParts, Stage } from './build-parts.js'
import { stepImage, type StepChange } from './step-image.js'

/** The image of a step whose files are `upper` (a container's, or a fresh tree for scratch). */
export async function recordStep(
  p: BuildParts,
  stage: Stage,
  upper: string,
  change: Omit<StepChange, 'layer'>,
  signal: AbortSignal,
): Promise<ImageRecord> {
  const parent: ChainId | null = stage.image?.topLayer ?? null
  const staged = readdirSync(upper).length
    ? await p.layers.stageFrom(parent, (diff, split) => copyUpper(upper, diff, split, signal), { signal })
    : undefined
  try {
    const image = stepImage(stage.image, stage.config, { ...change, layer: staged?.layer })
    await p.metadata.add(async (lock) => {
      signal.throwIfAborted()
      if (staged) await p.layers.record(lock, [staged], (ops) => p.images.add(lock, image, ops))
      else await p.images.add(lock, image, [])
    })
    return image
  } finally {
    if (staged) p.layers.discard([staged])
  }
}

/** The image of a step whose change is what `write` does to the stage's root filesystem (its host path). */
export async function filesStep(
  p: BuildParts,
  stage: Stage,
  scratch: string,
  change: Omit<StepChange, 'layer'>,
  signal: AbortSignal,
  write: (root: string) => Promise<void>,
): Promise<ImageRecord> {
  if (!stage.image) {
    const tree = mkdtempSync(join(scratch, 'tree-'))
    try {
      await write(tree)
      return await recordStep(p, stage, tree, change, signal)
    } finally {
      rmSync(tree, { recursive: true, force: true })
    }
  }
  const c = await stepContainer(p, stage)
  try {
    const rootfs = await p.metadata.add((lock) => p.containers.mount(lock, c))
    try {
      await write(rootfs)
    } finally {
      await p.metadata.add(async (lock) => p.containers.unmount(lock, await p.containers.resolve(c.id), false))
    }
    return await recordStep(p, stage, p.containers.pathsOf(c).upper, change, signal)
  } finally {
    await removeStepContainer(p, c.id)
  }
}

/** A new container on the stage's image, for one step. */
export function stepContainer(p: BuildParts, stage: Stage): Promise<ContainerRecord> {
  const image = stage.image
  if (!image) throw new TypeError('a step container needs an image')
  return p.metadata.add((lock) => p.containers.create(lock, image.id))
}

/** Removes the step's container (unmounting it first if it still is). */
export async function removeStepContainer(p: BuildParts, id: string): Promise<void> {
  await p.metadata.add(async (lock) => p.containers.remove(lock, await p.containers.resolve(id), true))
}
