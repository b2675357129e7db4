/**
 * The limits on one ADD download and their watchers: a size limit counted as the bytes come, a
 * limit on silence (no byte for a while, before the answer or between two pieces of the body)
 * and one on the whole download, joined with the build's own abort. A failed fetch becomes the
 * error to show: INVALID_ARGUMENT naming the URL and what went wrong, or the build's abort reason.
 * Tests: test/unit/build/url-source.test.ts
 */
import { createHash } from 'node:crypto'
import { Transform, type TransformCallback } from 'node:stream'
import { invalidArgument } from '../errors.js'

export interface UrlLimits {
  /** The largest file ADD downloads. */
  maxBytes: number
  /** How long the server may stay silent: before it answers, and between two pieces of the body. */
  idleMs: number
  /** How long one download may take in all. */
  totalMs: number
}

export const URL_LIMITS: UrlLimits = { maxBytes: 8 * 1024 ** 3, idleMs: 60_000, totalMs: 60 * 60_000 }

export const tooLarge = (url: string, l: UrlLimits) =>
  invalidArgument(`ADD failed: ${url} is larger than strata's limit of ${l.maxBytes} bytes`)

/** The build's signal with the two limits on time; turns a failed fetch into the error to show. */
export class Deadline {
  private readonly idle = new AbortController()
  private timer: NodeJS.Timeout | undefined
  readonly signal: AbortSignal

  constructor(
    private readonly build: AbortSignal,
    private readonly limits: UrlLimits,
  ) {
    this.signal = AbortSignal.any([build, this.idle.signal, AbortSignal.timeout(limits.totalMs)])
    this.touch()
  }

  /** Something arrived: the silence limit starts again. */
  touch(): void {
    clearTimeout(this.timer)
    this.timer = setTimeout(() => this.idle.abort(new Error('silent')), this.limits.idleMs)
  }

  clear(): void {
    clearTimeout(this.timer)
  }

  async run<T>(url: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn()
    } catch (err) {
      if (this.build.aborted) throw this.build.reason
      if (err instanceof Error && 'code' in err && err.code === 'INVALID_ARGUMENT') throw err
      if (this.idle.signal.aborted)
        throw invalidArgument(`ADD failed: ${url} sent nothing for ${this.limits.idleMs / 1000} s`, { cause: err })
      if (this.signal.aborted)
        throw invalidArgument(`ADD failed: ${url} took over ${this.limits.totalMs / 1000} s`, { cause: err })
      if (err instanceof TypeError)
        throw invalidArgument(`ADD failed: cannot get ${url}: ${reason(err)}`, { cause: err })
      throw err
    }
  }
}

/** fetch's own TypeError says only "fetch failed"; the socket's error under it says why. */
function reason(err: TypeError): string {
  const cause = err.cause
  return cause instanceof Error ? cause.message : err.message
}

/** Counts the bytes against the size limit, hashes them (sha256) and restarts the silence limit at each piece. */
export class Watch extends Transform {
  private bytes = 0
  readonly hash = createHash('sha256')

  constructor(
    private readonly url: string,
    private readonly limits: UrlLimits,
    private readonly deadline: Deadline,
  ) {
    super()
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length
    if (this.bytes > this.limits.maxBytes) return done(tooLarge(this.url, this.limits))
    this.deadline.touch()
    this.hash.update(chunk)
    done(null, chunk)
  }
}
