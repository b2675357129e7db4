/**
 * A client for one OCI distribution (v2) registry: manifests and blobs by digest (ranges too),
 * existence checks, cross-repository mounts, monolithic and chunked uploads, and auth as registries ask for it on a 401 (Bearer tokens from the
 * realm of WWW-Authenticate, or Basic). Plain HTTP only for hosts configured as insecure, and
 * for loopback. Errors: NOT_FOUND for unknown repositories, tags and blobs; PERMISSION_DENIED
 * for refused credentials; UNAVAILABLE for a registry that cannot be reached or answers 5xx.
 */
import type { StrataError } from '../../client/protocol.js'
import { notFound, permissionDenied, unavailable } from '../errors.js'

export interface Credentials {
  username: string
  password: string
}

export interface ClientOptions {
  /** Hosts (host:port) to reach over plain HTTP. Loopback always may. */
  insecure?: string[]
  credentials?: Credentials
}

export interface Fetched {
  mediaType: string
  bytes: Buffer
  digest: string | null
}

/** Blobs larger than this are uploaded in chunks of CHUNK bytes. */
const CHUNKED_ABOVE = 32 * 1024 * 1024
const CHUNK = 16 * 1024 * 1024

/** The stream in pieces of exactly `size` bytes (the last one shorter). */
async function* rechunk(body: AsyncIterable<Uint8Array>, size: number): AsyncGenerator<Buffer> {
  let parts: Buffer[] = []
  let have = 0
  for await (const piece of body) {
    let b = Buffer.from(piece)
    while (have + b.length >= size) {
      const take = size - have
      parts.push(b.subarray(0, take))
      yield Buffer.concat(parts)
      parts = []
      have = 0
      b = b.subarray(take)
    }
    if (b.length) {
      parts.push(b)
      have += b.length
    }
  }
  if (have) yield Buffer.concat(parts)
}

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/

export class RegistryClient {
  private token: string | undefined
  private readonly base: string

  constructor(
    readonly host: string,
    private readonly opts: ClientOptions = {},
  ) {
    const plain = LOOPBACK.test(host) || (opts.insecure ?? []).includes(host)
    this.base = `${plain ? 'http' : 'https'}://${host === 'docker.io' ? 'registry-1.docker.io' : host}/v2`
  }

  /** Checks the credentials against the registry's /v2/ (Docker's login does the same). */
  async ping(): Promise<void> {
    const res = await this.send('GET', `${this.base}/`, '', 'pull', {})
    await this.check(res, 'the API root')
  }

  async manifest(repo: string, reference: string, accept: string[]): Promise<Fetched> {
    const res = await this.request('GET', `/${repo}/manifests/${reference}`, repo, { accept: accept.join(', ') })
    if (res.status === 404) throw await manifestNotFound(res, this.host, repo, reference)
    await this.check(res, `manifest ${repo}:${reference}`)
    return {
      mediaType: (res.headers.get('content-type') ?? '').split(';')[0] as string,
      bytes: Buffer.from(await res.arrayBuffer()),
      digest: res.headers.get('docker-content-digest'),
    }
  }

  /** A blob's bytes as they arrive; the caller verifies the digest. */
  async *blob(repo: string, digest: string): AsyncGenerator<Buffer> {
    yield* (await this.openBlob(repo, digest, 0)).body
  }

  /**
   * A blob from byte `from` on, when the registry honours Range (`resumed`), else from its start.
   */
  async openBlob(
    repo: string,
    digest: string,
    from: number,
  ): Promise<{ resumed: boolean; body: AsyncGenerator<Buffer> }> {
    const range: Record<string, string> = from > 0 ? { range: `bytes=${from}-` } : {}
    const res = await this.request('GET', `/${repo}/blobs/${digest}`, repo, range)
    if (res.status === 404) throw notFound(`blob unknown: ${digest} in ${repo}`)
    await this.check(res, `blob ${digest}`)
    return { resumed: res.status === 206, body: this.chunks(res, digest) }
  }

  private async *chunks(res: Response, digest: string): AsyncGenerator<Buffer> {
    if (!res.body) return
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) yield Buffer.from(chunk)
    } catch (err) {
      throw unavailable(`the download of ${digest} from ${this.host} broke off: ${(err as Error).message}`, {
        cause: err,
      })
    }
  }

  async hasBlob(repo: string, digest: string): Promise<boolean> {
    const res = await this.request('HEAD', `/${repo}/blobs/${digest}`, repo, {}, undefined, 'push')
    if (res.status === 404) return false
    await this.check(res, `blob ${digest}`)
    return true
  }

  /** A monolithic upload: POST for a location, then one PUT with the bytes and their digest. */
  /**
   * Tries a cross-repository mount of a blob the registry has in `from`: true when it is now in
   * `repo` too; false when the registry would not (the caller uploads instead).
   */
  async mount(repo: string, digest: string, from: string): Promise<boolean> {
    const query = `?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`
    const res = await this.request('POST', `/${repo}/blobs/uploads/${query}`, repo, {}, undefined, 'push')
    if (res.status === 201) return true
    await res.arrayBuffer()
    if (res.status === 202) {
      const location = res.headers.get('location') // an upload session we do not use: cancel it
      if (location)
        await this.send('DELETE', new URL(location, `${this.base}/`).toString(), repo, 'push', {}).then((r) =>
          r.arrayBuffer(),
        )
      return false
    }
    await this.check(res, `mount of ${digest}`)
    return false
  }

  /**
   * Uploads a blob: in one PUT when it is small, else in PATCHes of CHUNK bytes (each a separate
   * request, so no single one holds a large layer) closed by a PUT with the digest.
   */
  async upload(repo: string, digest: string, size: number, body: AsyncIterable<Uint8Array>): Promise<void> {
    const start = await this.request('POST', `/${repo}/blobs/uploads/`, repo, {}, undefined, 'push')
    await this.check(start, `upload of ${digest}`)
    let location = this.locationOf(start)
    if (size > CHUNKED_ABOVE) {
      let offset = 0
      for await (const chunk of rechunk(body, CHUNK)) {
        const headers = {
          'content-type': 'application/octet-stream',
          'content-range': `${offset}-${offset + chunk.length - 1}`,
          'content-length': String(chunk.length),
        }
        const res = await this.send('PATCH', location.toString(), repo, 'push', headers, chunk)
        await this.check(res, `upload of ${digest} at ${offset}`)
        location = this.locationOf(res)
        offset += chunk.length
      }
      location.searchParams.set('digest', digest)
      const done = await this.send('PUT', location.toString(), repo, 'push', { 'content-length': '0' })
      return this.check(done, `upload of ${digest}`)
    }
    location.searchParams.set('digest', digest)
    const headers = { 'content-type': 'application/octet-stream', 'content-length': String(size) }
    const put = await this.send('PUT', location.toString(), repo, 'push', headers, body)
    await this.check(put, `upload of ${digest}`)
  }

  private locationOf(res: Response): URL {
    const location = res.headers.get('location')
    if (!location) throw unavailable(`${this.host} gave no upload location`)
    return new URL(location, `${this.base}/`)
  }

  async putManifest(repo: string, reference: string, mediaType: string, bytes: Buffer): Promise<string | null> {
    const res = await this.request(
      'PUT',
      `/${repo}/manifests/${reference}`,
      repo,
      { 'content-type': mediaType },
      bytes,
      'push',
    )
    await this.check(res, `manifest ${repo}:${reference}`)
    return res.headers.get('docker-content-digest')
  }

  private request(
    method: string,
    path: string,
    repo: string,
    headers: Record<string, string> = {},
    body?: Buffer | AsyncIterable<Uint8Array>,
    action: 'pull' | 'push' = 'pull',
  ): Promise<Response> {
    return this.send(method, `${this.base}${path}`, repo, action, headers, body)
  }

  /** One request, authenticated as a 401 asks (once), with the token kept for the next. */
  private async send(
    method: string,
    url: string,
    repo: string,
    action: 'pull' | 'push',
    headers: Record<string, string>,
    body?: Buffer | AsyncIterable<Uint8Array>,
  ): Promise<Response> {
    const go = () => this.fetch(method, url, { ...headers, ...this.authHeader() }, body)
    let res = await go()
    if (res.status !== 401) return res
    await res.arrayBuffer()
    await this.authenticate(res.headers.get('www-authenticate') ?? '', repo, action)
    if (body && !Buffer.isBuffer(body))
      throw unavailable(`${this.host} asked for credentials in the middle of an upload`)
    res = await go()
    if (res.status === 401) throw permissionDenied(`${this.host} refused the credentials${repo ? ` for ${repo}` : ''}`)
    return res
  }

  private async fetch(
    method: string,
    url: string,
    headers: Record<string, string>,
    body?: Buffer | AsyncIterable<Uint8Array>,
  ) {
    try {
      return await fetch(url, {
        method,
        headers,
        body: body as RequestInit['body'],
        redirect: 'follow',
        ...(body && !Buffer.isBuffer(body) ? { duplex: 'half' } : {}),
      } as RequestInit)
    } catch (err) {
      throw unavailable(`cannot reach registry ${this.host}: ${(err as Error).message}`, { cause: err })
    }
  }

  private authHeader(): Record<string, string> {
    if (this.token) return { authorization: this.token }
    return {}
  }

  /** Basic: the credentials themselves; Bearer: a token from the realm, with them if given. */
  private async authenticate(challenge: string, repo: string, action: 'pull' | 'push'): Promise<void> {
    const creds = this.opts.credentials
    const scheme = challenge.split(' ')[0]?.toLowerCase()
    if (scheme === 'basic') {
      if (!creds) throw permissionDenied(`${this.host} requires credentials: run strata login ${this.host}`)
      this.token = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`
      return
    }
    if (scheme !== 'bearer') throw permissionDenied(`${this.host} asks for an unsupported authentication: ${challenge}`)
    const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]))
    if (!params.realm) throw unavailable(`${this.host} sent a Bearer challenge without a realm`)
    const url = new URL(params.realm)
    if (params.service) url.searchParams.set('service', params.service)
    const scope = params.scope ?? (repo ? `repository:${repo}:${action === 'push' ? 'pull,push' : 'pull'}` : '')
    if (scope) url.searchParams.set('scope', scope)
    const headers: Record<string, string> = creds
      ? { authorization: `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}` }
      : {}
    const res = await this.fetch('GET', url.toString(), headers)
    if (res.status === 401 || res.status === 403)
      throw permissionDenied(
        `${this.host}: ${creds ? 'the credentials were refused' : 'requires credentials: run strata login'}`,
      )
    await this.check(res, 'token')
    const body = (await res.json()) as { token?: string; access_token?: string }
    const token = body.token ?? body.access_token
    if (!token) throw unavailable(`${this.host}'s token service answered without a token`)
    this.token = `Bearer ${token}`
  }

  private async check(res: Response, what: string): Promise<void> {
    if (res.ok) return
    const text = await res.text().catch(() => '')
    if (res.status === 401 || res.status === 403)
      throw permissionDenied(`${this.host} refused ${what}: ${text.slice(0, 200)}`)
    if (res.status === 404) throw notFound(`${what} not found in ${this.host}`)
    throw unavailable(`${this.host} answered ${res.status} for ${what}: ${text.slice(0, 200)}`)
  }
}

/**
 * A 404 for a manifest in Docker's words, from the registry's error body: `manifest for
 * HOST/REPO:TAG not found: manifest unknown: manifest unknown`, or for a repository the registry
 * does not know, `repository HOST/REPO not found: name unknown: repository name not known to registry`.
 */
async function manifestNotFound(res: Response, host: string, repo: string, reference: string): Promise<StrataError> {
  const body = (await res.json().catch(() => ({}))) as { errors?: Array<{ code?: string; message?: string }> }
  const e = body.errors?.[0]
  const said = e?.code ? `${e.code.toLowerCase().replace(/_/g, ' ')}: ${e.message ?? ''}` : 'manifest unknown'
  const name = host === 'docker.io' ? repo.replace(/^library\//, '') : `${host}/${repo}`
  if (e?.code === 'NAME_UNKNOWN') return notFound(`repository ${name} not found: ${said}`)
  return notFound(`manifest for ${name}${reference.includes(':') ? '@' : ':'}${reference} not found: ${said}`)
}
