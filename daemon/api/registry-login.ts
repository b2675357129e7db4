/**
 * registry.login: the check half of `docker login`. The credentials are tried against the
 * registry's /v2/ and kept nowhere: the CLI stores them in the calling user's own config
 * (client/cli/registry-auth.ts) and sends them with each pull and push, as Docker's CLI does,
 * so no user's login is used, seen or removed by another.
 * Errors: the registry's answer (PERMISSION_DENIED for refused credentials, UNAVAILABLE),
 * naming the user name tried.
 * Tests: test/integration/registry-credentials.test.ts
 */
import { StrataError } from '../../client/protocol.js'
import { RegistryClient } from '../registry/client.js'
import type { ApiMethod } from './params.js'
import type { Services } from './services.js'

export const registryLogin = (s: Services): ApiMethod<'registry.login'> => ({
  handler: async (p) => {
    const credentials = { username: p.username, password: p.password }
    try {
      await new RegistryClient(hostOf(p.host), { insecure: s.config.insecureRegistries, credentials }).ping()
    } catch (err) {
      if (!(err instanceof StrataError)) throw err
      throw new StrataError(err.code, `login as ${p.username} failed: ${err.message}`, { cause: err })
    }
    return { status: 'Login Succeeded' }
  },
})

/** Docker Hub's names all mean docker.io; a scheme, a path (Docker Hub's /v1/) or trailing slash is dropped. */
function hostOf(input: string): string {
  const h = input.replace(/^https?:\/\//, '').replace(/\/.*$/, '')
  return ['index.docker.io', 'registry-1.docker.io', 'docker.io'].includes(h) ? 'docker.io' : h
}
