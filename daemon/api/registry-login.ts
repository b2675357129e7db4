/**
 * registry.login / registry.logout: `docker login` — credentials are checked against the
 * registry, then kept for its pulls and pushes (registry/credentials.ts); logout forgets them.
 */
import { StrataError } from '../../client/protocol.js'
import { RegistryClient } from '../registry/client.js'
import type { ApiMethod } from './params.js'
import type { Services } from './services.js'

export const registryLogin = (s: Services): ApiMethod<'registry.login'> => ({
  handler: async (p) => {
    const host = hostOf(p.host)
    const credentials = { username: p.username, password: p.password }
    try {
      await new RegistryClient(host, { insecure: s.config.insecureRegistries, credentials }).ping()
    } catch (err) {
      if (!(err instanceof StrataError)) throw err
      throw new StrataError(err.code, `login as ${p.username} failed: ${err.message}`, { cause: err })
    }
    s.credentials.set(host, credentials)
    return { status: 'Login Succeeded' }
  },
})

export const registryLogout = (s: Services): ApiMethod<'registry.logout'> => ({
  handler: async (p) => {
    const host = hostOf(p.host)
    const had = s.credentials.get(host) !== undefined
    s.credentials.set(host, null)
    return { removed: had }
  },
})

/** Docker Hub's names all mean docker.io; a scheme or trailing slash is dropped. */
function hostOf(input: string): string {
  const h = input.replace(/^https?:\/\//, '').replace(/\/+$/, '')
  return ['index.docker.io', 'registry-1.docker.io', 'docker.io'].includes(h) ? 'docker.io' : h
}
