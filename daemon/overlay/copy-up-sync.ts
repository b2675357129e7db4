/**
 * The shared fsync of durable copy-ups (a group commit): copy-up.ts's copyUpLater stages a copy
 * in work/ without an fsync and hands it to its opener at once; the copy joins the next batch,
 * which syncFiles makes durable on a pool thread (about one journal commit for the whole batch),
 * and only then is it installed (renamed into upper/). So nothing reaches upper/ before its data
 * is on disk, as with one fsync each, while a run of copy-ups no longer waits for one commit
 * after another.
 * Owns: the batch (every copy that came while the last one ran), a duplicate descriptor of each
 *   copy (its opener may close its own), and a bound on how many wait.
 * Tests: test/unit/overlay/copy-up-sync.test.ts
 */
import { closeSync } from 'node:fs'
import { dupFd, syncFiles } from '../../native-bindings/index.js'

interface Waiting {
  fd: number
  synced: (errno: number) => void
}

/** Copies waiting beyond this make the next copy-up wait for the running batch (bounded descriptors). */
const MOST_WAITING = 1024

const ENOMEM = 12

export class SyncBatches {
  private waiting: Waiting[] = []
  private running: Promise<void> | null = null

  /** `delayMs`: tests only, each batch starts this much later (a slow disk, so a copy stays pending). */
  constructor(private readonly delayMs = 0) {}

  /** Waits while too many copies wait for a sync. */
  async room(): Promise<void> {
    while (this.waiting.length >= MOST_WAITING && this.running) await this.running
  }

  /**
   * Syncs the file open at `fd` in the next batch, then calls `synced` with 0 or the errno that
   * failed. The batch syncs a duplicate of `fd` (the caller keeps its own), returned here and
   * open until `synced` has returned. `synced` must not throw.
   */
  add(fd: number, synced: (errno: number) => void): number {
    const own = dupFd(fd)
    this.waiting.push({ fd: own, synced })
    this.kick()
    return own
  }

  private kick(): void {
    if (this.running || !this.waiting.length) return
    const batch = this.waiting
    this.waiting = []
    const fds = batch.map((w) => w.fd)
    const finish = (errnos: number[]) =>
      batch.forEach((w, i) => {
        try {
          w.synced(errnos[i] ?? 0)
        } finally {
          closeSync(w.fd)
        }
      })
    const delayed = this.delayMs > 0 ? new Promise((r) => setTimeout(r, this.delayMs)) : Promise.resolve()
    this.running = delayed
      .then(() => syncFiles(fds))
      .then(finish, () => finish(fds.map(() => ENOMEM)))
      .finally(() => {
        this.running = null
        this.kick()
      })
  }
}
