import t from 'tap'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { DEFAULTS, loadConfig } from '../../../daemon/config.js'
import { tmpdir } from '../../helpers/tmpdir.js'

t.test('defaults work with no flags, no environment and no file', async (t) => {
  t.same(loadConfig([], {}), DEFAULTS)
})

t.test('file < environment < flags', async (t) => {
  const file = join(tmpdir(t), 'stratad.json')
  writeFileSync(
    file,
    JSON.stringify({ root: '/from/file', socket: '/file.sock', logLevel: 'warn', socketMode: '0600' }),
  )
  const c = loadConfig(['--config', file, '--socket', '/flag.sock', '--shutdown-timeout', '3'], {
    STRATA_ROOT: '/from/env',
  })
  t.equal(c.root, '/from/env')
  t.equal(c.socket, '/flag.sock')
  t.equal(c.logLevel, 'warn')
  t.equal(c.socketMode, 0o600)
  t.equal(c.shutdownTimeoutMs, 3000)
  t.equal(loadConfig([], { STRATA_CONFIG: file }).root, '/from/file')
})

t.test('mistakes are errors that say where', async (t) => {
  const file = join(tmpdir(t), 'bad.json')
  writeFileSync(file, JSON.stringify({ rooot: '/x' }))
  t.throws(() => loadConfig(['--config', file], {}), /unknown key "rooot"/)
  writeFileSync(file, '{')
  t.throws(() => loadConfig(['--config', file], {}), { name: 'ConfigError' })
  t.throws(() => loadConfig(['--bogus'], {}), { name: 'ConfigError' })
  t.throws(() => loadConfig(['--log-level', 'loud'], {}), /logLevel/)
  t.throws(() => loadConfig(['--socket-mode', '0690'], {}), /socketMode/)
  t.throws(() => loadConfig(['--max-frame-bytes', '12x'], {}), /maxFrameBytes/)
  t.throws(() => loadConfig(['--shutdown-timeout', 'soon'], {}), /shutdownTimeout/)
  t.throws(() => loadConfig(['--root', '/a,b'], {}), /not supported/)
  t.throws(() => loadConfig(['--insecure-registry', 'http://x'], {}), /insecureRegistries/)
  t.throws(() => loadConfig(['--max-concurrent-downloads', 'many'], {}), /maxConcurrentDownloads/)
})

t.test('registry settings', async (t) => {
  const c = loadConfig(
    ['--insecure-registry', 'reg.lan:5000', '--insecure-registry', 'other', '--max-concurrent-downloads', '1'],
    {},
  )
  t.same(c.insecureRegistries, ['reg.lan:5000', 'other'])
  t.equal(c.maxConcurrentDownloads, 1)
})
