/**
 * `strata pull` and `strata push` print what `docker pull` / `docker push` print, line for line,
 * against a real stratad and a real registry (Debian's docker-registry on loopback): not on a
 * terminal each line once and none of the byte-counting ones (scripts grep these), on a
 * terminal the layer lines redrawn with their bars; -q, `Using default tag`, `Image is up to
 * date`, `Layer already exists`, `Mounted from`, and a failed pull's exit code.
 */
import { execFile } from 'node:child_process'
import { gzipSync } from 'node:zlib'
import { promisify } from 'node:util'
import t, { type Test } from 'tap'
import { startDaemon, STRATA_CLI, type Daemon } from '../helpers/daemon.js'
import { cliOn, type CliRun } from '../helpers/cli.js'
import { digestOf, imageIdOf, legacyDockerArchive, type TestImage } from '../helpers/image-archive.js'
import { startRegistry } from '../helpers/registry.js'
import { chunks, tar } from '../helpers/tar-builder.js'

const L1 = tar([{ dir: 'etc/' }, { file: 'etc/os-release', body: 'ID=test\n' }])
const L2 = tar([{ file: 'opt/app', body: Buffer.alloc(3_000_000, 7) }])
const APP: TestImage = { layers: [L1, L2], tags: ['app:1'], config: { Cmd: ['/opt/app'] } }
/** A layer's id in push lines (its short diffID) and in pull lines (its blob's short digest). */
const pushId = (layer: Buffer) => digestOf(layer).slice(7, 19)
const pullId = (layer: Buffer) => digestOf(gzipSync(layer)).slice(7, 19)

const strata = (d: Daemon, ...args: string[]): Promise<CliRun> => cliOn(d, args)

/** The same, with stdout a terminal (util-linux `script` gives it a pty). */
async function onTerminal(d: Daemon, ...args: string[]): Promise<string> {
  const command = [process.execPath, STRATA_CLI, ...args].map((a) => `'${a}'`).join(' ')
  const r = await promisify(execFile)('script', ['-qec', command, '/dev/null'], {
    env: { ...process.env, STRATA_SOCKET: d.socket },
  })
  return r.stdout
}

async function daemonWith(t: Test, names: string[]): Promise<Daemon> {
  const d = await startDaemon(t)
  const c = await d.connect()
  t.teardown(() => c.close())
  await c.call('image.load', {}, { upload: chunks(legacyDockerArchive([APP]), 1 << 20) })
  for (const target of names) await c.call('image.tag', { source: imageIdOf(APP), target })
  return d
}

/** The manifest's size in bytes, as the registry serves it. */
async function manifestSize(host: string, repo: string, digest: string): Promise<number> {
  const res = await fetch(`http://${host}/v2/${repo}/manifests/${digest}`, {
    method: 'HEAD',
    headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
  })
  return Number(res.headers.get('content-length'))
}

t.test('push: the repository, Preparing top first, Pushed, then TAG: digest: … size: N', async (t) => {
  const reg = await startRegistry(t)
  const repo = `${reg.host}/cli/app`
  const d = await daemonWith(t, [`${repo}:1`, repo])
  const first = await strata(d, 'push', `${repo}:1`)
  t.equal(first.code, 0, first.stderr)
  const digest = /^1: digest: (sha256:[0-9a-f]{64}) size: /m.exec(first.stdout)?.[1] ?? ''
  const size = await manifestSize(reg.host, 'cli/app', digest)
  t.equal(
    first.stdout,
    [
      `The push refers to repository [${repo}]`,
      `${pushId(L2)}: Preparing`,
      `${pushId(L1)}: Preparing`,
      `${pushId(L1)}: Pushed`,
      `${pushId(L2)}: Pushed`,
      `1: digest: ${digest} size: ${size}`,
      '',
    ].join('\n'),
  )
  const latest = await strata(d, 'push', repo)
  t.equal(
    latest.stdout,
    [
      'Using default tag: latest',
      `The push refers to repository [${repo}]`,
      `${pushId(L2)}: Preparing`,
      `${pushId(L1)}: Preparing`,
      `${pushId(L1)}: Layer already exists`,
      `${pushId(L2)}: Layer already exists`,
      `latest: digest: ${digest} size: ${size}`,
      '',
    ].join('\n'),
  )
  t.equal((await strata(d, 'tag', `${repo}:1`, `${reg.host}/other/app:1`)).code, 0)
  const mounted = await strata(d, 'push', `${reg.host}/other/app:1`)
  t.match(mounted.stdout, `${pushId(L1)}: Mounted from cli/app\n${pushId(L2)}: Mounted from cli/app\n`)
  const quiet = await strata(d, 'push', '-q', `${repo}:1`)
  t.same([quiet.code, quiet.stdout], [0, `${repo}:1\n`], '-q: the full reference only')
  const tty = await onTerminal(d, 'push', `${repo}:1`)
  const ESC = String.fromCharCode(27)
  t.ok(tty.includes(`${ESC}[2K${pushId(L2)}: Layer already exists`), 'a terminal gets the lines redrawn in place')
  t.match(tty, `1: digest: ${digest} size: ${size}`)
})

t.test('pull: Pulling from, the layer lines, Digest, Status, the full reference', async (t) => {
  const reg = await startRegistry(t)
  const repo = `${reg.host}/cli/app`
  const source = await daemonWith(t, [`${repo}:1`, repo])
  t.equal((await strata(source, 'push', repo)).code, 0)
  const digest = /digest: (sha256:[0-9a-f]{64})/.exec((await strata(source, 'push', `${repo}:1`)).stdout)?.[1]
  const d = await startDaemon(t)

  const fresh = await strata(d, 'pull', repo)
  t.equal(fresh.code, 0, fresh.stderr)
  const lines = fresh.stdout.split('\n')
  t.same(lines.slice(0, 4), [
    'Using default tag: latest',
    'latest: Pulling from cli/app',
    `${pullId(L1)}: Pulling fs layer`,
    `${pullId(L2)}: Pulling fs layer`,
  ])
  for (const layer of [L1, L2])
    t.same(
      lines.filter((l) => l.startsWith(`${pullId(layer)}: `)).map((l) => l.slice(14)),
      ['Pulling fs layer', 'Verifying Checksum', 'Download complete', 'Pull complete'],
      'each layer in order; no Downloading or Extracting lines off a terminal, as Docker',
    )
  t.same(lines.slice(10), [
    `Digest: ${digest}`,
    `Status: Downloaded newer image for ${repo}:latest`,
    `${repo}:latest`,
    '',
  ])

  const again = await strata(d, 'pull', repo)
  t.equal(
    again.stdout,
    [
      'Using default tag: latest',
      'latest: Pulling from cli/app',
      `${pullId(L1)}: Already exists`,
      `${pullId(L2)}: Already exists`,
      `Digest: ${digest}`,
      `Status: Image is up to date for ${repo}:latest`,
      `${repo}:latest`,
      '',
    ].join('\n'),
  )
  const newTag = await strata(d, 'pull', `${repo}:1`)
  t.match(newTag.stdout, /^1: Pulling from cli\/app\n/, 'no default tag line for a tag given')
  t.match(newTag.stdout, `\nStatus: Downloaded newer image for ${repo}:1\n${repo}:1\n`, 'a tag that is new')
  const quiet = await strata(d, 'pull', '-q', `${repo}:1`)
  t.same([quiet.code, quiet.stdout], [0, `${repo}:1\n`], '-q: the full reference only')
  const byDigest = await strata(d, 'pull', `${repo}@${digest}`)
  t.equal(byDigest.code, 0, byDigest.stderr)
  t.match(byDigest.stdout, new RegExp(`^${repo}@${digest}: Pulling from cli/app\n`))
  t.match(byDigest.stdout, new RegExp(`\nStatus: [A-Za-z ]+ for ${repo}@${digest}\n${repo}@${digest}\n$`))

  const d2 = await startDaemon(t)
  const tty = await onTerminal(d2, 'pull', `${repo}:1`)
  t.match(tty, /: Downloading \[[= >]+\] [0-9.]+[kM]?B\/[0-9.]+[kM]?B/, 'a terminal gets the bars')
  t.match(tty, /: Extracting \[=+>\] /)
  t.match(tty, `Status: Downloaded newer image for ${repo}:1`)

  const missing = await strata(d, 'pull', `${repo}:nosuch`)
  t.equal(missing.code, 1)
  t.equal(missing.stdout, '', 'no line before the error')
  t.match(missing.stderr, /^Error response from daemon: /)
})
