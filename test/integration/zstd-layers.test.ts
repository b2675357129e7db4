/**
 * Layers compressed with zstd (OCI `…tar+zstd`, as Docker 25+, containerd and skopeo push them):
 * skopeo pushes an image with zstd layers to a real registry (Debian's docker-registry on
 * loopback); strata pulls it with the same image ID and diffIDs, what it then saves loads
 * into a fresh data root, and what it pushes on pulls again as the same image.
 */
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import type { StrataClient } from '../../client/client.js'
import { startDaemon } from '../helpers/daemon.js'
import { saveImages } from '../helpers/download.js'
import { digestOf, imageIdOf, legacyDockerArchive, type TestImage } from '../helpers/image-archive.js'
import { startRegistry } from '../helpers/registry.js'
import { chunks, tar } from '../helpers/tar-builder.js'
import { tmpdir } from '../helpers/tmpdir.js'

const L1 = tar([{ dir: 'etc/' }, { file: 'etc/os-release', body: 'ID=zstd\n' }])
const L2 = tar([{ file: 'opt/app', body: Buffer.alloc(200_000, 3) }])
const APP: TestImage = { layers: [L1, L2], tags: ['app:1'], config: { Cmd: ['/opt/app'] } }

async function client(t: Test): Promise<StrataClient> {
  const d = await startDaemon(t)
  const c = await d.connect()
  t.teardown(() => c.close())
  return c
}

t.test('a zstd image pushed by skopeo pulls, then saves and loads', async (t) => {
  const reg = await startRegistry(t)
  const dir = tmpdir(t, 'strata-zstd-')
  writeFileSync(join(dir, 'app.tar'), legacyDockerArchive([APP]))
  const name = `${reg.host}/zstd/app:1`
  execFileSync('skopeo', [
    '--insecure-policy',
    'copy',
    '--dest-tls-verify=false',
    '--dest-compress-format',
    'zstd',
    `docker-archive:${join(dir, 'app.tar')}`,
    `docker://${name}`,
  ])
  const manifest = (await (
    await fetch(`http://${reg.host}/v2/zstd/app/manifests/1`, {
      headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
    })
  ).json()) as { config: { digest: string }; layers: Array<{ mediaType: string; digest: string }> }
  // skopeo writes the config anew for an OCI manifest (zstd has no Docker media type): the image ID is its digest.
  const id = manifest.config.digest
  t.not(id, imageIdOf(APP))
  t.same(
    manifest.layers.map((l) => l.mediaType),
    Array(2).fill('application/vnd.oci.image.layer.v1.tar+zstd'),
    'skopeo pushed zstd layers',
  )

  const c = await client(t)
  const events: Array<{ status: string }> = []
  const pulled = await c.call('image.pull', { ref: name }, { onEvent: (e) => events.push(e) })
  t.equal(pulled.id, id, 'the image skopeo pushed')
  t.same(
    ((await c.call('image.inspect', { image: name })).RootFS as { Layers: string[] }).Layers,
    [digestOf(L1), digestOf(L2)],
    'the diffIDs of the uncompressed layers',
  )
  t.ok(
    events.some((e) => /complete/i.test(e.status)),
    'pulled with progress',
  )

  const saved = await saveImages(c, [name])
  const c2 = await client(t)
  const loaded = await c2.call('image.load', {}, { upload: chunks(saved, 1 << 16) })
  t.same(loaded.images, [{ id, tags: [name] }], 'saved and loaded elsewhere')

  const again = `${reg.host}/zstd/again:1`
  await c.call('image.tag', { source: name, target: again })
  await c.call('image.push', { ref: again })
  const c3 = await client(t)
  t.equal((await c3.call('image.pull', { ref: again })).id, id, 'pushed on and pulled again: the same image')
})
