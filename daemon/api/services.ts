/** What the API handlers are given: the daemon's parts, wired in main.ts. */
import type { Config } from '../config.js'
import type { MountSupervisor } from '../fuse/supervisor.js'
import type { Db } from '../store/db.js'

export interface Services {
  config: Config
  db: Db
  mounts: MountSupervisor
  version: string
  startedAt: Date
  /** Live numbers from the RPC server, for `info`. */
  rpcStats(): { connections: number; callsInFlight: number }
}
