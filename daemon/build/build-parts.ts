/**
 * What the builder works with (wired by api/image-build.ts from the daemon's services), and the
 * state of a stage as its steps go: the image so far (null until the first step of `FROM
 * scratch`), its config (its SHELL among it, so a stage or image built FROM it inherits the
 * shell, as Docker's) and the ARGs it declared.
 */
import type { Containers } from '../containers/containers.js'
import type { Runs } from '../containers/runs.js'
import type { LayerStore } from '../layers/layer-store.js'
import type { Logger } from '../log.js'
import type { ImageConfig } from '../store/image-config.js'
import type { ImageRecord, ImageStore } from '../store/images.js'
import type { MetadataQueue } from '../store/metadata-queue.js'

export interface BuildParts {
  images: ImageStore
  layers: LayerStore
  containers: Containers
  runs: Runs
  metadata: MetadataQueue
  log: Logger
  /** Pulls an image a FROM or COPY --from names that is not here, saying its lines; none: not pulled. */
  pull?: PullImage
}

export type PullImage = (ref: string, say: Say, signal: AbortSignal) => Promise<ImageRecord>

export interface BuildOptions {
  /** --build-arg K=V (K alone: the daemon has no client environment; the CLI fills it in). */
  buildArgs: ReadonlyMap<string, string>
  target?: string | undefined
  noCache: boolean
  /** --label K=V: a LABEL step at the end of the last stage, as the classic builder adds one. */
  labels: ReadonlyMap<string, string>
  network: 'none' | 'host'
}

/** Where COPY and ADD read: the context directory, and scratch space for ADD's archives. */
export interface BuildContext {
  dir: string
  scratch: string
}

export interface Stage {
  name: string | undefined
  image: ImageRecord | null
  config: ImageConfig
  /** ARGs declared in this stage, with their values (a build arg, else the default, else none). */
  args: Map<string, string | undefined>
}

/** One line of the builder's output (`Step 2/5 : RUN make`, ` ---> 3f2a…`, a RUN's output). */
export type Say = (line: string) => void
