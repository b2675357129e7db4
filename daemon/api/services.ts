/** What the API handlers are given: the daemon's parts, wired in main.ts. */
import type { Config } from '../config.js'
import type { Logger } from '../log.js'
import type { MountSupervisor } from '../mounts/supervisor.js'
import type PQueue from 'p-queue'
import type { LayerStore } from '../layers/layer-store.js'
import type { Db } from '../store/db.js'
import type { ContainerStore } from '../store/containers.js'
import type { ImageMounts } from '../store/image-mounts.js'
import type { CredentialStore } from '../registry/credentials.js'
import type { ImageStore } from '../store/images.js'

export interface Services {
  config: Config
  db: Db
  mounts: MountSupervisor
  layers: LayerStore
  images: ImageStore
  containers: ContainerStore
  imageMounts: ImageMounts
  credentials: CredentialStore
  /** Read-modify-write metadata changes (tags, images, refcounts), one at a time. */
  metadata: PQueue
  /** For what a handler does that an operator may want to see (a layer gzip'd for a push). */
  log: Logger
  version: string
  startedAt: Date
  /** Live numbers from the RPC server, for `info`. */
  rpcStats(): { connections: number; callsInFlight: number }
}
