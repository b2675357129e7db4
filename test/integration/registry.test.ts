/**
 * Pull and push against a real registry (Debian's docker-registry on loopback): push then pull
 * into a fresh data root by tag and by digest gives the same image ID and diffIDs; layers the
 * registry or the store already has are skipped; an unknown tag is NOT_FOUND; a corrupted blob
 * in the registry is refused and leaves nothing behind.
 */
import { readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { startDaemon } from '../helpers/daemon.js'
import { digestOf, imageIdOf, legacyDockerArchive, type TestImage } from '../helpers/image-archive.js'
import { startRegistry } from '../helpers/registry.js'
import { chunks, tar } from '../helpers/tar-builder.js'

const L1 = tar([{ dir: 'etc/' }, { file: 'etc/os-release', body: 'ID=test\n' }])
const L2 = tar([{ file: 'opt/app', body: Buffer.alloc(200_000, 3) }])
const APP: TestImage = { layers: [L1, L2], tags: ['app:1'], config: { Cmd: ['/opt/app'] } }

t.test('push, then pull by tag and by digest into a fresh root', async (t) => {
  const reg = await startRegistry(t)
  const one = await startDaemon(t)
  const c1 = await one.connect()
  t.teardown(() => c1.close())
  await c1.call('image.load', {}, { upload: chunks(legacyDockerArchive([APP]), 65536) })
  const name = `${reg.host}/team/app:1`
  await c1.call('image.tag', { source: 'app:1', target: name })
  const events: unknown[] = []
  const { digest } = await c1.call('image.push', { ref: name }, { onEvent: (e) => events.push(e) })
  t.match(digest, /^sha256:[0-9a-f]{64}$/)
  t.same(events, [
    { layer: digestOf(L1), status: 'pushed' },
    { layer: digestOf(L2), status: 'pushed' },
  ])
  const again: unknown[] = []
  t.same(await c1.call('image.push', { ref: name }, { onEvent: (e) => again.push(e) }), { digest }, 'the same manifest')
  t.same(
    again.map((e) => (e as { status: string }).status),
    ['exists', 'exists'],
    'blobs the registry has are skipped',
  )

  const two = await startDaemon(t)
  const c2 = await two.connect()
  t.teardown(() => c2.close())
  t.same(await c2.call('image.pull', { ref: name }), { id: imageIdOf(APP), digest })
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
  const d = await startDaemon(t)
  const c = await d.connect()
  t.teardown(() => c.close())
  await c.call('image.load', {}, { upload: chunks(legacyDockerArchive([APP]), 65536) })
  const name = `${reg.host}/bad/app:1`
  await c.call('image.tag', { source: 'app:1', target: name })
  await c.call('image.push', { ref: name })
  const blob = join(
    reg.storage,
    'docker/registry/v2/blobs/sha256',
    digestOf(L2).slice(7, 9),
    digestOf(L2).slice(7),
    'data',
  )
  writeFileSync(blob, Buffer.concat([L2.subarray(0, 1024), Buffer.from('x'), L2.subarray(1025)]))
  const fresh = await startDaemon(t)
  const c2 = await fresh.connect()
  t.teardown(() => c2.close())
  await t.rejects(c2.call('image.pull', { ref: name }), { code: 'INVALID_ARGUMENT', message: /diffID|digest/ })
  t.same(await c2.call('image.list', { all: true }), [], 'no image')
  t.same(readdirSync(join(fresh.root, 'layers')), [], 'no layer, not even the good one')
  t.same(readdirSync(join(fresh.root, 'tmp')), [], 'no staging left')
})
