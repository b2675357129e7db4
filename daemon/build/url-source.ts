/**
 * ADD's URL sources, fetched as Docker's classic builder fetches them: an http or https URL
 * (redirects followed) is downloaded for every build into a directory of its own under the build's
 * scratch space, streamed to disk (never held in memory) within a size limit, a limit on silence
 * (no byte for a while) and one on the whole download. The file is named after the URL's last path
 * component (else the Content-Disposition file name), has mode 0600 and the mtime of the
 * Last-Modified header (the epoch without one), and is never unpacked, even a tar. Its content
 * goes into the step's cache key like any source's (copy-sources.ts checksumOf), so a changed
 * download makes a new step and an unchanged one is a cache hit.
 * Errors: INVALID_ARGUMENT for a bad or non-http URL, an unreachable host, a non-2xx answer, a
 *   file over the size limit or a limit on time passed, a name that cannot be found; the build's
 *   own abort as it is.
 * Tests: test/unit/build/url-source.test.ts, test/integration/image-build-url.test.ts
 */
import { createWriteStream, mkdtempSync, rmSync, utimesSync } from 'node:fs'
import { join, posix } from 'node:path'
import { Readable, Transform, type TransformCallback } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { ReadableStream as WebReadableStream } from 'node:stream/web'
import { invalidArgument } from '../errors.js'
import { matchSources, type Source } from './copy-sources.js'

export interface UrlLimits {
  /** The largest file ADD downloads. */
  maxBytes: number
  /** How long the server may stay silent: before it answers, and between two pieces of the body. */
  idleMs: number
  /** How long one download may take in all. */
  totalMs: number
}

export const URL_LIMITS: UrlLimits = { maxBytes: 8 * 1024 ** 3, idleMs: 60_000, totalMs: 60 * 60_000 }

/** A source written as a URL (`https://…`, also `ftp://…`, which is refused when fetched). */
export const isUrl = (s: string): boolean => /^[a-z][a-z0-9+.-]*:\/\//i.test(s)

export interface Download extends Source {
  /** The directory the file is in; remove() takes it away. */
  remove(): void
}

/** Downloads `url` into a new directory under `scratch`. */
export async function downloadUrl(
  url: string,
  scratch: string,
  signal: AbortSignal,
  limits: UrlLimits = URL_LIMITS,
): Promise<Download> {
  const target = parseUrl(url)
  const deadline = new Deadline(signal, limits)
  try {
    const res = await deadline.run(url, () => fetch(target, { signal: deadline.signal, redirect: 'follow' }))
    if (!res.ok || !res.body) {
      await res.body?.cancel()
      throw invalidArgument(`ADD failed: ${url} answered ${res.status} ${res.statusText}`.trim())
    }
    const length = Number(res.headers.get('content-length') ?? NaN)
    if (length > limits.maxBytes) throw tooLarge(url, limits)
    const name = nameOf(new URL(res.url || url), res.headers.get('content-disposition'))
    if (!name) throw invalidArgument(`ADD failed: cannot tell a file name from ${url}`)
    const dir = mkdtempSync(join(scratch, 'url-'))
    const remove = () => rmSync(dir, { recursive: true, force: true })
    try {
      const path = join(dir, name)
      const body = Readable.fromWeb(res.body as WebReadableStream<Uint8Array>)
      await deadline.run(url, () =>
        pipeline(body, new Watch(url, limits, deadline), createWriteStream(path, { mode: 0o600, flags: 'wx' })),
      )
      const modified = Date.parse(res.headers.get('last-modified') ?? '')
      const mtime = Number.isNaN(modified) ? 0 : modified / 1000
      utimesSync(path, mtime, mtime)
      return { pattern: url, path, name, remote: true, remove }
    } catch (err) {
      remove()
      throw err
    }
  } finally {
    deadline.clear()
  }
}

/**
 * Each pattern's sources in order: a URL downloaded, anything else matched under `root`; remove()
 * takes the downloads away (the caller calls it once the step is done, whatever happened).
 */
export async function sourcesOf(
  root: string,
  patterns: string[],
  scratch: string,
  signal: AbortSignal,
): Promise<{ sources: Source[]; remove(): void }> {
  const downloads: Download[] = []
  const remove = () => downloads.forEach((d) => d.remove())
  try {
    const sources: Source[] = []
    for (const p of patterns) {
      if (!isUrl(p)) sources.push(...matchSources(root, [p]))
      else sources.push(downloads[downloads.push(await downloadUrl(p, scratch, signal)) - 1] as Download)
    }
    return { sources, remove }
  } catch (err) {
    remove()
    throw err
  }
}

function parseUrl(url: string): URL {
  let u: URL
  try {
    u = new URL(url)
  } catch (err) {
    throw invalidArgument(`ADD failed: bad URL ${url}`, { cause: err })
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw invalidArgument(`ADD failed: ${url}: strata downloads http and https URLs only`)
  return u
}

/** The URL path's last component, else the Content-Disposition file name, as Docker names a download. */
export function nameOf(u: URL, disposition: string | null): string | undefined {
  const fromPath = u.pathname.endsWith('/') ? '' : posix.basename(decoded(u.pathname))
  const m = /filename\s*=\s*(?:"([^"]*)"|([^;\s]*))/i.exec(disposition ?? '')
  const given = m ? (m[1] ?? m[2] ?? '') : ''
  const fromHeader = given.endsWith('/') ? '' : posix.basename(given.replace(/\\/g, '/'))
  return [fromPath, fromHeader].find((n) => n && n !== '.' && n !== '..' && !n.includes('\0'))
}

function decoded(path: string): string {
  try {
    return decodeURIComponent(path)
  } catch (err) {
    if (err instanceof URIError) return path
    throw err
  }
}

const tooLarge = (url: string, l: UrlLimits) =>
  invalidArgument(`ADD failed: ${url} is larger than strata's limit of ${l.maxBytes} bytes`)

/** The build's signal with the two limits on time; turns a failed fetch into the error to show. */
class Deadline {
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

/** Counts the bytes against the size limit and restarts the silence limit at each piece. */
class Watch extends Transform {
  private bytes = 0

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
    done(null, chunk)
  }
}
