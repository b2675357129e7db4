/**
 * One p-queue (concurrency 1) per key: work on the same key runs in order, work on different
 * keys runs in parallel. Idle queues are dropped so the map does not grow with every key seen.
 */
import PQueue from 'p-queue'

export class KeyedQueue<K> {
  private readonly queues = new Map<K, PQueue>()

  run<T>(key: K, task: () => Promise<T>): Promise<T> {
    let q = this.queues.get(key)
    if (!q) {
      const created = new PQueue({ concurrency: 1 })
      created.on('idle', () => {
        if (this.queues.get(key) === created && created.size === 0 && created.pending === 0) this.queues.delete(key)
      })
      this.queues.set(key, created)
      q = created
    }
    return q.add(task) as Promise<T>
  }
}
