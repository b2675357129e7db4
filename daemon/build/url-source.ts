/**
 * ADD's URL sources, fetched as Docker's classic builder fetches them: an http or https URL
 * (redirects followed) is downloaded for every build into a directory of its own under the build's
 * scratch space, streamed to disk (never held in memory) within a size limit, a limit on silence
 * (no byte for a while) and one on the whole download. The file is named after the URL's last path
 * component (else the Content-Disposition file name), has mode 0600 and the mtime of the
 * Last-Modified header (the epoch without one), and is never unpacked, even a tar. Its content
 * goes into the step's cache key like any source's (copy-sources.ts checksumOf), so a changed
 * download makes a new step and an unchanged one is a cache hit. `ADD --checksum=sha256:…` checks
 * the download's digest, as BuildKit does.
 * Errors: INVALID_ARGUMENT for a bad or non-http URL, an unreachable host, a non-2xx answer, a
 *   file over the size limit or a limit on time passed, a name that cannot be found, a --checksum
 *   that is malformed, misused or does not match; the build's
 *   own abort as it is.
 * Tests: test/unit/build/url-source.test.ts, test/integration/image-build-url.test.ts
 */
import { createWriteStream, mkdtempSync, rmSync, utimesSync } from 'node:fs'
import { join, posix } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { ReadableStream as WebReadableStream } from 'node:stream/web'
import { invalidArgument } from '../errors.js'
import { matchSources, type Source } from './copy-sources.js'
import { Deadline, tooLarge, URL_LIMITS, Watch, type UrlLimits } from './download-limits.js'

/** A source written as a URL (`https://…`, also `ftp://…`, which is refused when fetched). */
export const isUrl = (s: string): boolean => /^[a-z][a-z0-9+.-]*:\/\//i.test(s)

export interface Download extends Source {
  /** `sha256:<hex>` of the bytes downloaded. */
  digest: string
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
    // named after the URL asked for, as Docker names it, not where a redirect ended
    const name = nameOf(target, res.headers.get('content-disposition'))
    if (!name) throw invalidArgument(`ADD failed: cannot tell a file name from ${url}`)
    const dir = mkdtempSync(join(scratch, 'url-'))
    const remove = () => rmSync(dir, { recursive: true, force: true })
    try {
      const path = join(dir, name)
      const body = Readable.fromWeb(res.body as WebReadableStream<Uint8Array>)
      const watch = new Watch(url, limits, deadline)
      await deadline.run(url, () => pipeline(body, watch, createWriteStream(path, { mode: 0o600, flags: 'wx' })))
      const modified = Date.parse(res.headers.get('last-modified') ?? '')
      const mtime = Number.isNaN(modified) ? 0 : modified / 1000
      utimesSync(path, mtime, mtime)
      return { pattern: url, path, name, remote: true, digest: `sha256:${watch.hash.digest('hex')}`, remove }
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
 * takes the downloads away (the caller calls it once the step is done, whatever happened). With
 * `checksum` (ADD --checksum=sha256:<hex>, as BuildKit takes it: one URL source only) the download
 * must have that digest.
 */
export async function sourcesOf(
  root: string,
  patterns: string[],
  scratch: string,
  signal: AbortSignal,
  checksum?: string,
): Promise<{ sources: Source[]; remove(): void }> {
  if (checksum !== undefined) checkChecksumUse(checksum, patterns)
  const downloads: Download[] = []
  const remove = () => downloads.forEach((d) => d.remove())
  try {
    const sources: Source[] = []
    for (const p of patterns) {
      if (!isUrl(p)) sources.push(...matchSources(root, [p]))
      else sources.push(downloads[downloads.push(await downloadUrl(p, scratch, signal)) - 1] as Download)
    }
    const got = downloads[0]?.digest
    if (checksum !== undefined && got !== checksum.toLowerCase())
      throw invalidArgument(`ADD failed: ${patterns[0]}: checksum mismatch: --checksum=${checksum}, got ${got}`)
    return { sources, remove }
  } catch (err) {
    remove()
    throw err
  }
}

function checkChecksumUse(checksum: string, patterns: string[]): void {
  if (!/^sha256:[0-9a-f]{64}$/i.test(checksum))
    throw invalidArgument(`ADD --checksum=${checksum}: sha256:<64 hex digits> is expected`)
  if (patterns.length !== 1 || !isUrl(patterns[0] as string))
    throw invalidArgument('ADD --checksum is for a single http or https URL source only')
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
