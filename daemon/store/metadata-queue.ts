/**
 * The metadata queue: read-modify-write changes of the records (tags, images, containers,
 * refcounts) run one at a time, so the reads a change is decided on and the batch that makes it
 * never interleave with another change.
 *
 * A mechanism, not a convention: each task is handed a MetadataLock, and a store change that
 * must run under the queue takes one as its first parameter (ContainerStore's create, setMount,
 * remove and lease; ImageStore's add, tag, addDigest and remove; LayerStore's record and
 * rememberGzip; pruneImages; fsck; daemon/containers/ passes it on). The lock's constructor is closed to other
 * modules, so code that did not take the queue has no lock to pass and does not compile; a lock
 * kept past its task (stored, or used after an await outside it) throws a TypeError when used.
 *
 *   await metadata.add(async (lock) => containers.remove(lock, await containers.resolve(name)))
 *
 * Tasks that change nothing (`add(async () => …)`, a consistent read such as save's) still queue.
 * Tests: test/unit/store/metadata-queue.test.ts
 */
import PQueue from 'p-queue'

const MINT = Symbol('MetadataLock')

export class MetadataLock {
  #held = true

  /** Only this module can make one: the key is not exported. */
  constructor(key: typeof MINT) {
    if (key !== MINT) throw new TypeError('a MetadataLock comes from MetadataQueue.add only')
  }

  /** Throws unless the task this lock was handed to is still running. */
  check(): void {
    if (!this.#held) throw new TypeError('the metadata lock was used after its task ended')
  }

  static end(lock: MetadataLock): void {
    lock.#held = false
  }
}

export class MetadataQueue {
  private readonly queue = new PQueue({ concurrency: 1 })

  /** Runs `task` when every task added before it has ended, with a lock valid until it ends. */
  add<T>(task: (lock: MetadataLock) => Promise<T>): Promise<T> {
    return this.queue.add(async () => {
      const lock = new MetadataLock(MINT)
      try {
        return await task(lock)
      } finally {
        MetadataLock.end(lock)
      }
    }) as Promise<T>
  }
}
