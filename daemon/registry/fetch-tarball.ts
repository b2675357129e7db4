/**
 * `import URL`: a rootfs tarball fetched over http(s) (as `docker import URL` does), read as it
 * arrives and never held whole: the caller unpacks it while it streams, with one progress event
 * per MiB (the bytes so far and the Content-Length when the server sends one).
 * Errors: INVALID_ARGUMENT for a URL that is not http(s) or a body cut short; NOT_FOUND for 404
 * and 410; PERMISSION_DENIED for 401 and 403; UNAVAILABLE for a server that cannot be reached or
 * answers 5xx; any other status is INVALID_ARGUMENT. All name the URL.
 * Tests: test/integration/image-import-url.test.ts
 */
import type { ProgressEvent } from '../../client/protocol.js'
import { invalidArgument, notFound, permissionDenied, unavailable } from '../errors.js'

const REPORT_EVERY = 1 << 20

/** Checks a URL the way `import` takes one: absolute, http or https. */
export function parseTarballUrl(text: string): URL {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw invalidArgument(`invalid URL ${text}`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw invalidArgument(`unsupported URL scheme ${url.protocol} in ${text}: use http or https`)
  return url
}

export async function fetchTarball(
  url: URL,
  signal: AbortSignal,
  progress: (e: ProgressEvent) => void,
): Promise<AsyncIterable<Uint8Array>> {
  let res: Response
  try {
    res = await fetch(url, { signal, redirect: 'follow' })
  } catch (err) {
    if (signal.aborted) throw err
    const cause = (err as { cause?: { code?: string; message?: string } }).cause
    throw unavailable(`cannot download ${url.href}: ${cause?.code ?? cause?.message ?? (err as Error).message}`, {
      cause: err,
    })
  }
  if (!res.ok || !res.body) {
    await res.body?.cancel()
    const what = `cannot download ${url.href}: HTTP ${res.status} ${res.statusText}`.trim()
    if (res.status === 404 || res.status === 410) throw notFound(what)
    if (res.status === 401 || res.status === 403) throw permissionDenied(what)
    if (res.status >= 500) throw unavailable(what)
    throw invalidArgument(what)
  }
  const length = Number(res.headers.get('content-length') ?? NaN)
  const total = Number.isSafeInteger(length) && length >= 0 ? length : undefined
  const body = res.body
  progress({ status: `Downloading from ${url.href}` })
  return (async function* () {
    let bytes = 0
    let told = 0
    const report = () => progress({ id: 'import', status: 'Importing', current: (told = bytes), total })
    report()
    try {
      for await (const chunk of body as AsyncIterable<Uint8Array>) {
        bytes += chunk.length
        if (bytes - told >= REPORT_EVERY) report()
        yield chunk
      }
    } catch (err) {
      if (signal.aborted) throw err
      throw invalidArgument(`download of ${url.href} broke off after ${bytes} bytes: ${(err as Error).message}`, {
        cause: err,
      })
    }
    if (total !== undefined && bytes !== total)
      throw invalidArgument(`download of ${url.href} ended after ${bytes} of ${total} bytes`)
    report()
  })()
}
