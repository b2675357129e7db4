/**
 * Leases: a reader that streams from directories outside the metadata queue (save, push,
 * export) holds them, and removing a held directory waits until its last holder lets go — as
 * containerd's leases keep content alive while it is read. Records change at once; only the
 * bytes on disk wait. In memory: after a crash the directories without records are removed at
 * start (LayerStore.reconcile, fsck --repair).
 */
import type { Logger } from './log.js'

export type Release = () => void

export class Leases<K> {
  private readonly held = new Map<K, number>()
  private readonly pending = new Map<K, () => void>()

  constructor(private readonly log: Logger) {}

  /** Holds every key until the returned function is called (calling it again does nothing). */
  hold(keys: Iterable<K>): Release {
    const mine = [...new Set(keys)]
    for (const k of mine) this.held.set(k, (this.held.get(k) ?? 0) + 1)
    let released = false
    return () => {
      if (released) return
      released = true
      for (const k of mine) this.letGo(k)
    }
  }

  isHeld(key: K): boolean {
    return this.held.has(key)
  }

  /** Runs `remove` now, or when the last lease on `key` ends. */
  removeWhenFree(key: K, remove: () => void): void {
    if (this.held.has(key)) this.pending.set(key, remove)
    else remove()
  }

  /** Drops a removal still waiting for `key` (it is wanted again); true when there was one. */
  cancel(key: K): boolean {
    return this.pending.delete(key)
  }

  private letGo(key: K): void {
    const n = (this.held.get(key) ?? 0) - 1
    if (n > 0) {
      this.held.set(key, n)
      return
    }
    this.held.delete(key)
    const remove = this.pending.get(key)
    if (!remove) return
    this.pending.delete(key)
    try {
      remove()
    } catch (err) {
      // A release runs in a reader's cleanup, which has no caller to tell: the leftover is
      // logged here; `strata fsck --repair` (and, for layers, the next start) removes it.
      this.log.error('cannot remove a directory after its lease ended', { key: String(key), err })
    }
  }
}
