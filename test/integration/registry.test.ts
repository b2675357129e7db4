/**
 * Pull and push against a real registry (Debian's docker-registry on loopback): push then pull
 * into a fresh data root by tag and by digest gives the same image ID and diffIDs; layers the
 * registry or the store already has are skipped; an unknown tag is NOT_FOUND; a corrupted blob
 * in the registry is refused and leaves nothing behind; htpasswd (Basic) and token-service (Bearer)
 * auth with the credentials sent with each call; cross-repository mounts; skopeo
 * both ways; a multi-platform index; the registry stopped mid-pull, then restarted.
 */
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { arch } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import t, { type Test } from 'tap'
import type { StrataClient } from '../../client/client.js'
import type { ProgressEvent } from '../../client/protocol.js'
import { startDaemon, type Daemon } from '../helpers/daemon.js'
import { digestOf, imageIdOf, legacyDockerArchive, type TestImage } from '../helpers/image-archive.js'
import { startRegistry } from '../helpers/registry.js'
import { startTokenServer } from '../helpers/token-server.js'
import { chunks, tar } from '../helpers/tar-builder.js'
import { tmpdir } from '../helpers/tmpdir.js'

const L1 = tar([{ dir: 'etc/' }, { file: 'etc/os-release', body: 'ID=test\n' }])
const L2 = tar([{ file: 'opt/app', body: Buffer.alloc(200_000, 3) }])
const APP: TestImage = { layers: [L1, L2], tags: ['app:1'], config: { Cmd: ['/opt/app'] } }
/** The digest of a layer as strata pushes it: gzip'd by zlib with its defaults, as gzipSync does. */
const pushedAs = (layer: Buffer): string => digestOf(gzipSync(layer))

/** Events without byte counts: the lines a script sees (progress.ts). */
const withoutBytes = (events: ProgressEvent[]) => events.filter((e) => e.current === undefined)

/** What happened to each layer of a push: its last line (Preparing aside). */
const layerStatuses = (events: ProgressEvent[]) =>
  withoutBytes(events)
    .filter((e) => e.id && e.status !== 'Preparing')
    .map((e) => e.status)

/** A daemon with its client, holding `images` (APP unless said), the first tagged as `name` too. */
async function daemonWith(t: Test, name?: string, images: TestImage[] = [APP]) {
  const { d, c } = await freshDaemon(t)
  await c.call('image.load', {}, { upload: chunks(legacyDockerArchive(images), 1 << 20) })
  if (name) await c.call('image.tag', { source: imageIdOf(images[0] as TestImage), target: name })
  return { d, c }
}

/** A daemon on a fresh root and its client. */
async function freshDaemon(t: Test): Promise<{ d: Daemon; c: StrataClient }> {
  const d = await startDaemon(t)
  const c = await d.connect()
  t.teardown(() => c.close())
  return { d, c }
}

t.test('push, then pull by tag and by digest into a fresh root', async (t) => {
  const reg = await startRegistry(t)
  const name = `${reg.host}/team/app:1`
  const { d: d1, c: c1 } = await daemonWith(t, name)
  const gzipped = () => d1.logs.filter((l) => l.includes('gzipped a layer to push it')).length
  const events: ProgressEvent[] = []
  const { digest } = await c1.call('image.push', { ref: name }, { onEvent: (e) => events.push(e) })
  t.match(digest, /^sha256:[0-9a-f]{64}$/)
  t.same(withoutBytes(events), [
    { status: `The push refers to repository [${reg.host}/team/app]` },
    { id: digestOf(L2).slice(7, 19), status: 'Preparing' },
    { id: digestOf(L1).slice(7, 19), status: 'Preparing' },
    { id: digestOf(L1).slice(7, 19), layer: pushedAs(L1), status: 'Pushed' },
    { id: digestOf(L2).slice(7, 19), layer: pushedAs(L2), status: 'Pushed' },
    { status: `1: digest: ${digest} size: ${/size: ([0-9]+)$/.exec(events.at(-1)?.status ?? '')?.[1]}` },
  ])
  t.same(
    events.filter((e) => e.status === 'Pushing').at(-1),
    {
      id: digestOf(L2).slice(7, 19),
      layer: pushedAs(L2),
      status: 'Pushing',
      current: gzipSync(L2).length,
      total: gzipSync(L2).length,
    },
    'Pushing counts the bytes sent',
  )
  const manifest = (await (
    await fetch(`http://${reg.host}/v2/team/app/manifests/1`, {
      headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
    })
  ).json()) as { layers: Array<{ mediaType: string }> }
  t.same(
    manifest.layers.map((l) => l.mediaType),
    Array(2).fill('application/vnd.oci.image.layer.v1.tar+gzip'),
    'layers go gzip, as Docker pushes them',
  )
  const again: ProgressEvent[] = []
  t.same(await c1.call('image.push', { ref: name }, { onEvent: (e) => again.push(e) }), { digest }, 'the same manifest')
  t.same(layerStatuses(again), ['Layer already exists', 'Layer already exists'], 'blobs the registry has are skipped')
  t.same((await c1.call('image.inspect', { image: name })).RepoDigests, [`${reg.host}/team/app@${digest}`])
  const elsewhere = `${reg.host}/other/app:1`
  await c1.call('image.tag', { source: name, target: elsewhere })
  const mounted: ProgressEvent[] = []
  await c1.call('image.push', { ref: elsewhere }, { onEvent: (e) => mounted.push(e) })
  t.same(
    layerStatuses(mounted),
    ['Mounted from team/app', 'Mounted from team/app'],
    'blobs of another repository of the registry are mounted, not uploaded',
  )
  t.equal(gzipped(), 2, "each layer was gzip'd once; the digests were remembered for the later pushes")

  const { d: d2, c: c2 } = await freshDaemon(t)
  t.same(await c2.call('image.pull', { ref: name }), { id: imageIdOf(APP), digest })
  const chainL2 = digestOf(Buffer.from(`${digestOf(L1)} ${digestOf(L2)}`))
  for (const [chainId, layer] of [
    [digestOf(L1), L1],
    [chainL2, L2],
  ] as const)
    t.equal(
      digestOf(readFileSync(join(d2.root, 'layers', chainId.slice(7), 'blob'))),
      pushedAs(layer),
      'each layer keeps the blob it was pulled as',
    )
  t.same(readdirSync(join(d2.root, 'tmp', 'downloads')), [], 'its download file moved there')
  const inspect = await c2.call('image.inspect', { image: name })
  t.same((inspect.RootFS as { Layers: string[] }).Layers, [digestOf(L1), digestOf(L2)])
  t.same(inspect.RepoDigests, [`${reg.host}/team/app@${digest}`])
  t.same(
    await c2.call('image.pull', { ref: `${reg.host}/team/app@${digest}` }),
    { id: imageIdOf(APP), digest },
    'by digest',
  )
  t.same((await c2.call('system.fsck', {})).problems, [])
  await t.rejects(c2.call('image.pull', { ref: `${reg.host}/team/app:nosuch` }), { code: 'NOT_FOUND' })
  await t.rejects(c2.call('image.pull', { ref: `${reg.host}/team/none:1` }), { code: 'NOT_FOUND' })
})

t.test('a corrupted blob in the registry is refused and leaves nothing', async (t) => {
  const reg = await startRegistry(t)
  const name = `${reg.host}/bad/app:1`
  const { c: c } = await daemonWith(t, name)
  await c.call('image.push', { ref: name })
  const blob = join(
    reg.storage,
    'docker/registry/v2/blobs/sha256',
    pushedAs(L2).slice(7, 9),
    pushedAs(L2).slice(7),
    'data',
  )
  const gz = gzipSync(L2)
  writeFileSync(blob, Buffer.concat([gz.subarray(0, 100), Buffer.from([(gz[100] as number) ^ 1]), gz.subarray(101)]))
  const { d: fresh, c: c2 } = await freshDaemon(t)
  await t.rejects(c2.call('image.pull', { ref: name }), {
    code: 'INVALID_ARGUMENT',
    message: /does not match its digest/,
  })
  t.same(await c2.call('image.list', { all: true }), [], 'no image')
  t.same(readdirSync(join(fresh.root, 'layers')), [], 'no layer, not even the good one')
  t.same(readdirSync(join(fresh.root, 'tmp')), ['downloads'], 'no staging left')
  t.notOk(
    readdirSync(join(fresh.root, 'tmp', 'downloads')).includes(`${pushedAs(L2).slice(7)}.partial`),
    'and no partial download of the blob that proved wrong',
  )
})

t.test('a registry that demands credentials: a clear refusal without, a login check, pull and push with', async (t) => {
  const reg = await startRegistry(t, { users: { ann: 'secret' } })
  const name = `${reg.host}/private/app:1`
  const { c: c } = await daemonWith(t, name)
  await t.rejects(c.call('image.push', { ref: name }), {
    code: 'PERMISSION_DENIED',
    message: /requires credentials: run strata login/,
  })
  await t.rejects(c.call('registry.login', { host: reg.host, username: 'ann', password: 'wrong' }), {
    code: 'PERMISSION_DENIED',
  })
  t.same(await c.call('registry.login', { host: reg.host, username: 'ann', password: 'secret' }), {
    status: 'Login Succeeded',
  })
  const auth = { username: 'ann', password: 'secret' }
  await t.rejects(
    c.call('image.push', { ref: name }),
    { code: 'PERMISSION_DENIED' },
    'a login keeps nothing daemon-side',
  )
  const { digest } = await c.call('image.push', { ref: name, auth })
  await c.call('image.remove', { image: name })
  await c.call('image.remove', { image: 'app:1' })
  await t.rejects(c.call('image.pull', { ref: name }), { code: 'PERMISSION_DENIED' })
  await t.rejects(c.call('image.pull', { ref: name, auth: { ...auth, password: 'wrong' } }), {
    code: 'PERMISSION_DENIED',
  })
  t.same(await c.call('image.pull', { ref: name, auth }), { id: imageIdOf(APP), digest })
})

t.test('skopeo reads what strata pushed; strata pulls what skopeo pushed', async (t) => {
  const reg = await startRegistry(t)
  const name = `${reg.host}/team/app:1`
  const { c: c } = await daemonWith(t, name)
  const { digest } = await c.call('image.push', { ref: name })
  const skopeo = (...args: string[]) => execFileSync('skopeo', ['--insecure-policy', ...args]).toString()
  const inspected = JSON.parse(skopeo('inspect', '--tls-verify=false', `docker://${name}`)) as {
    Digest: string
    Layers: string[]
  }
  t.equal(inspected.Digest, digest)
  t.same(inspected.Layers, [pushedAs(L1), pushedAs(L2)])
  const dir = tmpdir(t, 'strata-skopeo-')
  skopeo('copy', '--src-tls-verify=false', `docker://${name}`, `dir:${join(dir, 'copy')}`)
  t.ok(readdirSync(join(dir, 'copy')).includes(pushedAs(L2).slice(7)), 'skopeo copied (and verified) every blob')
  skopeo(
    'copy',
    '--dest-tls-verify=false',
    '--dest-compress',
    `dir:${join(dir, 'copy')}`,
    `docker://${reg.host}/skopeo/app:gz`,
  )
  const { c: c2 } = await freshDaemon(t)
  const pulled = await c2.call('image.pull', { ref: `${reg.host}/skopeo/app:gz` })
  t.equal(pulled.id, imageIdOf(APP), 'gzip layers pushed by skopeo give the same image')
  t.same(((await c2.call('image.inspect', { image: pulled.id })).RootFS as { Layers: string[] }).Layers, [
    digestOf(L1),
    digestOf(L2),
  ])
})

t.test('a multi-platform index resolves to the host platform, or the one asked for', async (t) => {
  const reg = await startRegistry(t)
  const { c: c } = await freshDaemon(t)
  const amd: TestImage = { ...APP, tags: ['multi:amd64'] }
  const arm: TestImage = { ...APP, architecture: 'arm64', tags: ['multi:arm64'] }
  await c.call('image.load', {}, { upload: chunks(legacyDockerArchive([amd, arm]), 65536) })
  const manifests = []
  for (const [img, arch] of [
    [amd, 'amd64'],
    [arm, 'arm64'],
  ] as const) {
    const tag = `${reg.host}/team/multi:${arch}`
    await c.call('image.tag', { source: imageIdOf(img), target: tag })
    const { digest } = await c.call('image.push', { ref: tag })
    const size = Number(
      (await fetch(`http://${reg.host}/v2/team/multi/manifests/${digest}`, { method: 'HEAD' })).headers.get(
        'content-length',
      ),
    )
    manifests.push({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest,
      size,
      platform: { os: 'linux', architecture: arch },
    })
  }
  const index = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests })
  const put = await fetch(`http://${reg.host}/v2/team/multi/manifests/1`, {
    method: 'PUT',
    headers: { 'content-type': 'application/vnd.oci.image.index.v1+json' },
    body: index,
  })
  t.equal(put.status, 201)
  const { c: c2 } = await freshDaemon(t)
  const host = ({ x64: 'amd64', arm64: 'arm64' } as Record<string, string>)[arch()] ?? 'amd64'
  const wanted = host === 'arm64' ? arm : amd
  t.equal((await c2.call('image.pull', { ref: `${reg.host}/team/multi:1` })).id, imageIdOf(wanted), 'the host platform')
  const other = host === 'arm64' ? 'amd64' : 'arm64'
  t.equal(
    (await c2.call('image.pull', { ref: `${reg.host}/team/multi:1`, platform: `linux/${other}` })).id,
    imageIdOf(host === 'arm64' ? amd : arm),
    '--platform',
  )
  await t.rejects(c2.call('image.pull', { ref: `${reg.host}/team/multi:1`, platform: 'linux/s390x' }), {
    code: 'NOT_FOUND',
  })
})

t.test('the registry stops mid-pull: nothing half-made; restarted, the pull completes', async (t) => {
  const first = await startRegistry(t)
  const port = Number(first.host.split(':')[1])
  const { c: c } = await freshDaemon(t)
  // Random, so that gzip leaves it big: the pull must still be running when the registry stops.
  const BIG = tar([{ file: 'big', body: randomBytes(96 * 1024 * 1024) }])
  const bigImage: TestImage = { layers: [L1, BIG], tags: ['big:1'] }
  await c.call('image.load', {}, { upload: chunks(legacyDockerArchive([bigImage]), 1 << 20) })
  const name = `${first.host}/team/big:1`
  await c.call('image.tag', { source: 'big:1', target: name })
  const pushed: ProgressEvent[] = []
  await c.call('image.push', { ref: name }, { onEvent: (e) => pushed.push(e) })
  const blob = pushed.filter((e) => e.status === 'Pushed')[1]?.layer ?? '' // BIG as pushed (gzip'd)
  const { d: fresh, c: c2 } = await freshDaemon(t)
  const pulling = c2.call('image.pull', { ref: name }).catch((err: Error) => err)
  const partial = join(fresh.root, 'tmp', 'downloads', `${blob.slice(7)}.partial`)
  const started = () => existsSync(partial) && statSync(partial).size > 1 << 20
  while (!started()) await new Promise((r) => setTimeout(r, 2))
  await first.stop()
  t.match(await pulling, { code: 'UNAVAILABLE' }, 'the pull fails as unavailable')
  t.same(await c2.call('image.list', { all: true }), [], 'no image')
  t.same(readdirSync(join(fresh.root, 'layers')), [], 'no layer')
  t.same(readdirSync(join(fresh.root, 'tmp')), ['downloads'], 'no staging, only what was downloaded')
  t.same(readdirSync(join(fresh.root, 'tmp', 'downloads')), [`${blob.slice(7)}.partial`])
  await startRegistry(t, { port, storage: first.storage })
  const events: Array<{ status?: string; current?: number }> = []
  const again = await c2.call('image.pull', { ref: name }, { onEvent: (e) => events.push(e as { status?: string }) })
  t.equal(again.id, imageIdOf(bigImage), 'pulling again completes')
  t.ok(
    events.some((e) => /^Resuming from [1-9][0-9]* bytes$/.test(e.status ?? '')),
    'it resumed the broken download with a Range request',
  )
  t.same(readdirSync(join(fresh.root, 'tmp', 'downloads')), [], 'the partial file went with the whole blob')
  t.same((await c2.call('system.fsck', {})).problems, [])
})

t.test('the Bearer token flow: a token service grants what the registry asks for', async (t) => {
  const tokens = await startTokenServer(t, { ann: 'secret' })
  const reg = await startRegistry(t, { token: tokens })
  const name = `${reg.host}/team/app:1`
  const { c: c } = await daemonWith(t, name)
  await t.rejects(
    c.call('image.push', { ref: name }),
    { code: 'PERMISSION_DENIED' },
    'an anonymous token grants nothing',
  )
  await t.rejects(c.call('registry.login', { host: reg.host, username: 'ann', password: 'nope' }), {
    code: 'PERMISSION_DENIED',
  })
  const auth = { username: 'ann', password: 'secret' }
  await c.call('registry.login', { host: reg.host, ...auth })
  const { digest } = await c.call('image.push', { ref: name, auth })
  await c.call('image.remove', { image: name })
  await c.call('image.remove', { image: 'app:1' })
  t.same(await c.call('image.pull', { ref: name, auth }), { id: imageIdOf(APP), digest })
  t.ok(tokens.issued() >= 3, 'tokens came from the realm')
})
