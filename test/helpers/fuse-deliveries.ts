/**
 * Collects what a /dev/fuse reader (startFuseReader or startFusePoll) delivers, so a test can await
 * the requests one by one and the end reason.
 */
import type { BatchHandler, ReaderEnd } from '../../native-bindings/index.js'

export interface Deliveries {
  next(): Promise<Buffer>
  ended: Promise<ReaderEnd>
}

/** `start` starts the reader with the handler it is given. */
export function deliveries(start: (onBatch: BatchHandler) => void): Deliveries {
  const queue: Buffer[] = []
  const waiters: Array<(b: Buffer) => void> = []
  let endResolve: (e: ReaderEnd) => void = () => undefined
  const ended = new Promise<ReaderEnd>((r) => (endResolve = r))
  start((batch, end) => {
    for (const b of batch) {
      const w = waiters.shift()
      if (w) w(b)
      else queue.push(b)
    }
    if (end !== null) endResolve(end)
  })
  return {
    next: () => new Promise((resolve) => (queue.length ? resolve(queue.shift() as Buffer) : waiters.push(resolve))),
    ended,
  }
}
