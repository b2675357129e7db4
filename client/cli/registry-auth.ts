/**
 * Each user's registry logins, kept client side as Docker's CLI keeps them: in
 * `$STRATA_CLI_CONFIG/config.json` (default `~/.strata/config.json`), in the shape of Docker's
 * config.json (`{"auths": {"HOST": {"auth": base64("user:password")}}}`, Docker Hub as
 * `https://index.docker.io/v1/`), the directory 0700 and the file 0600, owned by the user and
 * written whole through a rename; other keys in the file are kept. pull and push send the entry
 * of the reference's registry with the call, build sends them all (it cannot know what it pulls);
 * logout removes the user's own entry only. So a login is never used, seen or removed by another
 * user of the daemon.
 * Tests: test/unit/client/cli/registry-auth.test.ts, test/integration/registry-credentials.test.ts
 */
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import { StrataError, type RegistryAuth } from '../protocol.js'

const DOCKER_HUB = 'https://index.docker.io/v1/'
const HUB_NAMES = ['docker.io', 'index.docker.io', 'registry-1.docker.io']

interface ConfigFile {
  auths?: Record<string, { auth?: string }>
  [key: string]: unknown
}

export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.STRATA_CLI_CONFIG || join(homedir(), '.strata'), 'config.json')
}

/** The key a registry's login is kept under: its host[:port], or Docker Hub's historical URL. */
export function registryKey(server: string): string {
  const host = server.replace(/^https?:\/\//, '').replace(/\/.*$/, '')
  return HUB_NAMES.includes(host) ? DOCKER_HUB : host
}

/** The registry of an image reference, by Docker's rule: a first component with . or :, or localhost. */
export function registryOf(reference: string): string {
  const slash = reference.indexOf('/')
  const first = reference.slice(0, slash)
  const isHost = slash > 0 && (/[.:]/.test(first) || first === 'localhost' || first !== first.toLowerCase())
  return isHost ? first : 'docker.io'
}

/** The user's login for the registry of `reference`, if any. */
export function authFor(reference: string, file = configPath()): RegistryAuth | undefined {
  const key = registryKey(registryOf(reference))
  return decode(Object.entries(read(file).auths ?? {}).find(([k]) => registryKey(k) === key)?.[1])
}

/**
 * Every login of the user, by registry host as the daemon names registries (`docker.io` for
 * Docker Hub): what build sends, since only the daemon knows which images a Dockerfile pulls.
 */
export function allAuths(file = configPath()): Record<string, RegistryAuth> {
  const out: Record<string, RegistryAuth> = Object.create(null) as Record<string, RegistryAuth>
  for (const [k, entry] of Object.entries(read(file).auths ?? {})) {
    const auth = decode(entry)
    const key = registryKey(k)
    if (auth) out[key === DOCKER_HUB ? 'docker.io' : key] = auth
  }
  return out
}

function decode(entry: { auth?: string } | undefined): RegistryAuth | undefined {
  if (!entry?.auth) return undefined
  const text = Buffer.from(entry.auth, 'base64').toString('utf8')
  const colon = text.indexOf(':')
  if (colon <= 0) return undefined
  return { username: text.slice(0, colon), password: text.slice(colon + 1) }
}

export function saveAuth(server: string, auth: RegistryAuth, file = configPath()): void {
  const config = read(file)
  const auths = withoutKey(config.auths ?? {}, registryKey(server))
  auths[registryKey(server)] = { auth: Buffer.from(`${auth.username}:${auth.password}`).toString('base64') }
  write(file, { ...config, auths })
}

/** Forgets the user's login for `server`; false when there was none. */
export function removeAuth(server: string, file = configPath()): boolean {
  const config = read(file)
  const before = config.auths ?? {}
  const auths = withoutKey(before, registryKey(server))
  if (Object.keys(auths).length === Object.keys(before).length) return false
  write(file, { ...config, auths })
  return true
}

function withoutKey(auths: NonNullable<ConfigFile['auths']>, key: string): NonNullable<ConfigFile['auths']> {
  return Object.fromEntries(Object.entries(auths).filter(([k]) => registryKey(k) !== key))
}

function read(file: string): ConfigFile {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {}
    throw err
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (err) {
    throw new StrataError('INVALID_ARGUMENT', `${file} is not JSON: ${(err as Error).message}`, { cause: err })
  }
  return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as ConfigFile) : {}
}

function write(file: string, config: ConfigFile): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 })
  const tmp = `${file}.${process.pid}.new`
  writeFileSync(tmp, `${JSON.stringify(config, null, '\t')}\n`, { mode: 0o600 })
  chmodSync(tmp, 0o600) // whatever the umask
  renameSync(tmp, file)
}
