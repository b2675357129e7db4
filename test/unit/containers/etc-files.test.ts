/** A container's /etc files and its init layer (daemon/containers/etc-files.ts). */
import t from 'tap'
import { chmodSync, chownSync, lstatSync, mkdirSync, readdirSync, readFileSync, utimesSync } from 'node:fs'
import { constants, mkwhiteout } from '../../../native-bindings/index.js'
import { ensureInitLayer, imageDir, LOOPBACK_HOSTS, writeEtcFiles } from '../../../daemon/containers/etc-files.js'
import { containerPaths } from '../../../daemon/containers/paths.js'
import { tmpdir } from '../../helpers/tmpdir.js'

const HOST = { hosts: '127.0.0.1 localhost\n10.0.0.5 buildhost\n', resolv: 'nameserver 10.0.0.53\n' }

t.test('hostname, hosts and resolv.conf as Docker writes them, by network mode', async (t) => {
  const paths = containerPaths(tmpdir(t))
  mkdirSync(paths.dir, { recursive: true })
  const none = writeEtcFiles(paths, 'box', 'none', HOST)
  t.equal(readFileSync(none.hostname, 'utf8'), 'box\n')
  t.equal(readFileSync(none.hosts, 'utf8'), LOOPBACK_HOSTS, 'no network: the loopback names only')
  t.match(LOOPBACK_HOSTS, /^127\.0\.0\.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n/)
  t.equal(readFileSync(none.resolv, 'utf8'), HOST.resolv)
  const host = writeEtcFiles(paths, 'box', 'host', HOST)
  t.equal(readFileSync(host.hosts, 'utf8'), HOST.hosts, "the host's network: the host's /etc/hosts")
  t.equal(readFileSync(host.resolv, 'utf8'), HOST.resolv)
  t.equal(readFileSync(writeEtcFiles(paths, 'b', 'host', { hosts: null, resolv: null }).resolv, 'utf8'), '')
})

t.test("the image's directory: the topmost layer's, unless something else hides it", async (t) => {
  const base = tmpdir(t)
  const [top, mid, low] = ['top', 'mid', 'low'].map((d) => `${base}/${d}`) as [string, string, string]
  for (const d of [top, mid, low]) mkdirSync(d)
  mkdirSync(`${mid}/etc`, { mode: 0o750 })
  mkdirSync(`${low}/etc`)
  t.equal(imageDir([top, mid, low], 'etc')?.ino, lstatSync(`${mid}/etc`).ino)
  mkwhiteout(constants.AT_FDCWD, `${top}/etc`)
  t.equal(imageDir([top, mid, low], 'etc'), null, 'a whiteout hides it')
  t.equal(imageDir([], 'etc'), null, 'no layers, no directory')
})

t.test('the init layer: mount targets under directories that look as the image’s', async (t) => {
  const base = tmpdir(t)
  const paths = containerPaths(`${base}/c`)
  mkdirSync(paths.dir)
  const layer = `${base}/layer`
  mkdirSync(`${layer}/etc`, { recursive: true })
  mkdirSync(`${layer}/proc`, { mode: 0o555 })
  chownSync(`${layer}/etc`, 1000, 50)
  chmodSync(`${layer}/etc`, 0o751)
  utimesSync(`${layer}/etc`, 1_000_000, 2_000_000)
  ensureInitLayer(paths, [layer])
  const etc = lstatSync(`${paths.init}/etc`)
  t.same([etc.uid, etc.gid, etc.mode & 0o7777, etc.mtimeMs], [1000, 50, 0o751, 2_000_000_000])
  t.equal(lstatSync(`${paths.init}/proc`).mode & 0o7777, 0o555, "the image's /proc as it is")
  t.equal(lstatSync(`${paths.init}/sys`).mode & 0o7777, 0o755, 'not in the image: root 0755')
  t.same(readdirSync(paths.init).sort(), ['dev', 'etc', 'proc', 'sys'])
  t.same(readdirSync(`${paths.init}/dev`).sort(), ['mqueue', 'pts', 'shm'])
  t.same(readdirSync(`${paths.init}/etc`).sort(), ['hostname', 'hosts', 'resolv.conf'])
  for (const n of readdirSync(`${paths.init}/etc`)) t.equal(lstatSync(`${paths.init}/etc/${n}`).size, 0)
  t.same(readdirSync(paths.dir), ['init'], 'made in a temporary directory, renamed into place')
  ensureInitLayer(paths, [])
  t.equal(lstatSync(`${paths.init}/etc`).mode & 0o7777, 0o751, 'made once: a second call leaves it')
})
