/**
 * A token service for the registry's Bearer flow, as Docker Hub and others run one: GET
 * /token?service=&scope= with Basic credentials answers a JWT (ES256, the signing certificate in
 * x5c) granting the scope's actions to users it knows, nothing to anyone else. docker-registry
 * is configured to trust the certificate (rootcertbundle). The key and certificate come from
 * openssl; signing from node:crypto. Stopped at teardown.
 */
import { execFileSync } from 'node:child_process'
import { createPrivateKey, randomBytes, sign, X509Certificate } from 'node:crypto'
import { createServer } from 'node:http'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { tmpdir } from './tmpdir.js'

interface Teardown {
  teardown(fn: () => void | Promise<void>): void
}

export interface TokenServer {
  realm: string
  service: string
  issuer: string
  certFile: string
  /** How many tokens it handed out. */
  issued(): number
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url')

export async function startTokenServer(t: Teardown, users: Record<string, string>): Promise<TokenServer> {
  const dir = tmpdir(t as never, 'strata-token-')
  const keyFile = join(dir, 'key.pem')
  const certFile = join(dir, 'cert.pem')
  execFileSync(
    'openssl',
    [
      ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'],
      ...['-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', '/CN=strata-test-token'],
    ],
    { stdio: 'ignore' },
  )
  const key = createPrivateKey(readFileSync(keyFile))
  const der = new X509Certificate(readFileSync(certFile)).raw
  const service = 'strata-test'
  const issuer = 'strata-test-issuer'
  let issued = 0
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x')
    const auth = req.headers.authorization ?? ''
    const [user, pass] = Buffer.from(auth.replace(/^Basic /, ''), 'base64')
      .toString()
      .split(':')
    const known = user !== undefined && users[user] !== undefined && users[user] === pass
    if (auth && !known) {
      res.writeHead(401).end()
      return
    }
    const access = known
      ? url.searchParams.getAll('scope').flatMap((s) => {
          const [type, name, actions] = s.split(':')
          return type && name && actions ? [{ type, name, actions: actions.split(',') }] : []
        })
      : []
    const now = Math.floor(Date.now() / 1000)
    const header = { typ: 'JWT', alg: 'ES256', x5c: [der.toString('base64')] }
    const claims = {
      iss: issuer,
      sub: user ?? '',
      aud: service,
      exp: now + 300,
      nbf: now - 10,
      iat: now,
      jti: randomBytes(8).toString('hex'),
      access,
    }
    const body = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`
    const sig = sign('sha256', Buffer.from(body), { key, dsaEncoding: 'ieee-p1363' })
    issued++
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: `${body}.${b64url(sig)}` }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
  const { port } = server.address() as { port: number }
  return { realm: `http://127.0.0.1:${port}/token`, service, issuer, certFile, issued: () => issued }
}
