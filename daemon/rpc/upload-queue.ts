/**
 * The daemon's side of an upload: chunks arrive as frames, the handler pulls them as an async
 * iterable, and each chunk is acknowledged when the handler takes it, so at most one window of
 * bytes waits here. A sender that ignores the window is a protocol violation (the caller closes
 * the connection).
 */
import { STREAM_WINDOW } from '../../client/protocol.js'

export class UploadQueue {
  private chunks: Buffer[] = []
  private queued = 0
  private ended = false
  private failure: Error | undefined
  private wake: (() => void) | undefined
  private taken = false

  constructor(private readonly sendAck: (bytes: number) => void) {}

  /** False when the sender overran the window. */
  push(chunk: Buffer): boolean {
    if (this.ended || this.failure) return true
    this.queued += chunk.length
    if (this.queued > STREAM_WINDOW) return false
    this.chunks.push(chunk)
    this.notify()
    return true
  }

  end(): void {
    this.ended = true
    this.notify()
  }

  fail(err: Error): void {
    this.failure ??= err
    this.notify()
  }

  /** The bytes as they come; throws the failure (client gone, cancelled) instead of ending early. */
  async *iterate(): AsyncGenerator<Buffer> {
    if (this.taken) throw new TypeError('an upload can be read once')
    this.taken = true
    for (;;) {
      if (this.failure) throw this.failure
      const chunk = this.chunks.shift()
      if (chunk) {
        this.queued -= chunk.length
        this.sendAck(chunk.length)
        yield chunk
        continue
      }
      if (this.ended) return
      await new Promise<void>((resolve) => (this.wake = resolve))
    }
  }

  private notify(): void {
    const wake = this.wake
    this.wake = undefined
    wake?.()
  }
}
