/** What the API handlers are given: the daemon's parts, wired in main.ts. */
import type { Config } from '../config.js'
import type { Logger } from '../log.js'
import type { MountSupervisor } from '../mounts/supervisor.js'
import type { LayerStore } from '../layers/layer-store.js'
import type { Db } from '../store/db.js'
import type { Containers } from '../containers/containers.js'
import type { Runs } from '../containers/runs.js'
import type { MetadataQueue } from '../store/metadata-queue.js'
import type { ImageStore } from '../store/images.js'

export interface Services {
  config: Config
  db: Db
  mounts: MountSupervisor
  layers: LayerStore
  images: ImageStore
  containers: Containers
  /** Containers' processes: start, signal, wait, reap. */
  runs: Runs
  /** Read-modify-write metadata changes (tags, images, containers, refcounts), one at a time. */
  metadata: MetadataQueue
  /** For what a handler does that an operator may want to see (a layer gzip'd for a push). */
  log: Logger
  version: string
  startedAt: Date
  /** Live numbers from the RPC server, for `info`. */
  rpcStats(): { connections: number; callsInFlight: number }
}
