/**
 * Before diff and export read a mounted container's upper/ themselves (outside a pause, as Docker
 * reads a running container's): a durable copy-up is handed to its opener before it is renamed
 * into upper/ (overlay/copy-up.ts copyUpLater), so the mount worker is paused and let go at once,
 * without waiting for open writers: its pause comes only once every copy handed out before it is
 * installed. A mount whose worker is not serving has none to finish (the next worker installs
 * what a dead one left).
 * Tests: test/integration/container-settle.test.ts
 */
import { StrataError } from '../../client/protocol.js'
import type { ContainerRecord } from '../store/containers.js'
import type { MountControl } from './mount-control.js'

export async function settleUpper(mounts: MountControl, c: ContainerRecord): Promise<void> {
  if (!c.mount) return
  try {
    await mounts.whilePaused(c.mount.id, async () => undefined, { writers: false })
  } catch (err) {
    if (!(err instanceof StrataError && err.code === 'UNAVAILABLE')) throw err // not serving: nothing left to wait for
  }
}
