/**
 * What containers/ asks of the mount supervisor (the daemon side of mounts): start, list and
 * remove supervised mounts, and hold one's writes for a while. An interface, so containers/
 * depends on the calls and not on where the supervisor lives, and unit tests can fake it.
 * Tests: test/unit/containers/counted-mount.test.ts
 */
import type { MountCreateParams, MountInfo } from '../../client/protocol.js'

export interface MountControl {
  list(): Promise<MountInfo[]>
  /**
   * `makeTarget`: the target is made if missing (and removed again if the mount fails);
   * `ownPlace`: the daemon chose it under the data root, where no other target may go.
   */
  create(p: MountCreateParams, opts?: { makeTarget?: boolean; ownPlace?: boolean }): Promise<MountInfo>
  /** By id; IN_USE when busy unless forced. */
  remove(id: string, force: boolean): Promise<string>
  /**
   * Runs `fn` while the mount's worker holds its requests, then resumes it. `writers` false: the
   * worker does not wait for files open for writing first (fuse/pause.ts PauseRequest.writers).
   */
  whilePaused<T>(id: string, fn: (p: PauseHold) => Promise<T>, opts?: { writers?: boolean }): Promise<T>
}

export interface PauseHold {
  writersOpen: number
  /** False once the worker let go by itself (its lease ran out): what was read may have changed. */
  isHeld(): boolean
  /** Aborted when the mount is unmounted by force meanwhile. */
  signal: AbortSignal
}
