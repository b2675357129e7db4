/**
 * The CLI's per-user registry logins: Docker's config.json shape, Docker Hub's key, which
 * registry a reference names, a private file, other keys kept, logout of one registry only, and
 * every login at once (what build sends).
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import {
  allAuths,
  authFor,
  configPath,
  registryKey,
  registryOf,
  removeAuth,
  saveAuth,
} from '../../../../client/cli/registry-auth.js'
import { tmpdir } from '../../../helpers/tmpdir.js'

t.test('the registry a reference names, by Docker’s rule', async (t) => {
  const cases: Array<[string, string]> = [
    ['busybox', 'docker.io'],
    ['library/busybox:1.36', 'docker.io'],
    ['me/app@sha256:' + 'a'.repeat(64), 'docker.io'],
    ['registry.lan/tools/app:1', 'registry.lan'],
    ['127.0.0.1:5000/app', '127.0.0.1:5000'],
    ['localhost/app', 'localhost'],
    ['Upper/app', 'Upper'],
  ]
  for (const [ref, want] of cases) t.equal(registryOf(ref), want, ref)
  t.equal(registryKey('docker.io'), 'https://index.docker.io/v1/')
  t.equal(registryKey('https://index.docker.io/v1/'), 'https://index.docker.io/v1/')
  t.equal(registryKey('https://registry.lan:5000/'), 'registry.lan:5000')
  t.equal(configPath({ STRATA_CLI_CONFIG: '/x' }), '/x/config.json')
  t.equal(configPath({ HOME: '/home/ann' }).endsWith('/.strata/config.json'), true)
})

t.test('save, read, remove: private, in Docker’s shape, other keys kept', async (t) => {
  const file = join(tmpdir(t), 'conf', 'config.json')
  t.equal(authFor('registry.lan/app', file), undefined, 'no file: no login')
  t.equal(removeAuth('registry.lan', file), false)
  saveAuth('registry.lan', { username: 'ann', password: 'p:w' }, file)
  saveAuth('docker.io', { username: 'bob', password: 'x' }, file)
  t.equal(statSync(file).mode & 0o777, 0o600)
  t.equal(statSync(join(file, '..')).mode & 0o777, 0o700)
  t.same(JSON.parse(readFileSync(file, 'utf8')), {
    auths: {
      'registry.lan': { auth: Buffer.from('ann:p:w').toString('base64') },
      'https://index.docker.io/v1/': { auth: Buffer.from('bob:x').toString('base64') },
    },
  })
  t.same(authFor('registry.lan/tools/app:1', file), { username: 'ann', password: 'p:w' })
  t.same(authFor('busybox', file), { username: 'bob', password: 'x' })
  const withOthers = { ...JSON.parse(readFileSync(file, 'utf8')), detachKeys: 'ctrl-x' }
  writeFileSync(file, JSON.stringify(withOthers))
  t.equal(removeAuth('https://registry.lan/', file), true)
  t.equal(authFor('registry.lan/app', file), undefined)
  t.same(authFor('busybox', file), { username: 'bob', password: 'x' }, 'the other login stays')
  t.equal(JSON.parse(readFileSync(file, 'utf8')).detachKeys, 'ctrl-x', 'keys it does not know are kept')
  writeFileSync(file, '{broken')
  t.throws(() => authFor('busybox', file), { code: 'INVALID_ARGUMENT', message: /is not JSON/ })
})

t.test('allAuths: every login, by the registry host the daemon names (docker.io for the Hub)', async (t) => {
  const file = join(tmpdir(t), 'config.json')
  t.same(allAuths(file), {}, 'no file: no logins')
  const b64 = (s: string) => Buffer.from(s).toString('base64')
  const auths = {
    'https://index.docker.io/v1/': { auth: b64('hub:pw') },
    'https://registry.lan:5000/': { auth: b64('ann:p:w') },
    'broken.lan': { auth: b64('no-colon') },
    'empty.lan': {},
  }
  writeFileSync(file, JSON.stringify({ auths }))
  t.same(allAuths(file), {
    'docker.io': { username: 'hub', password: 'pw' },
    'registry.lan:5000': { username: 'ann', password: 'p:w' },
  })
})
