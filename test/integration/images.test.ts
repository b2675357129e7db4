/**
 * Images through a real stratad: import a busybox root filesystem (Debian's busybox-static),
 * list with filters, tag, history, inspect, rmi's untag-versus-delete rules with layers shared
 * between images, hostile and abandoned uploads that leave nothing, and a mount of the imported
 * layer in which busybox runs.
 */
import { execFileSync } from 'node:child_process'
import { copyFileSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs'
import { connect } from 'node:net'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { imageLayerDirs } from '../helpers/layer-dirs.js'
import type { StrataClient } from '../../client/client.js'
import { encodeFrame } from '../../client/protocol.js'
import { startDaemon, type Daemon } from '../helpers/daemon.js'
import { chunks, tar } from '../helpers/tar-builder.js'
import { tmpdir } from '../helpers/tmpdir.js'

function busyboxTar(t: Test): Buffer {
  const root = join(tmpdir(t, 'strata-rootfs-'), 'rootfs')
  mkdirSync(join(root, 'bin'), { recursive: true })
  mkdirSync(join(root, 'tmp'))
  copyFileSync('/bin/busybox', join(root, 'bin/busybox'))
  symlinkSync('busybox', join(root, 'bin/sh'))
  return execFileSync('tar', ['-C', root, '-cf', '-', '.'], { maxBuffer: 64 * 1024 * 1024 })
}

async function importTar(c: StrataClient, archive: Buffer, params: object = {}): Promise<string> {
  return (await c.call('image.import', { source: 'test', ...params }, { upload: chunks(archive, 65536) })).id
}

async function setUp(t: Test): Promise<{ d: Daemon; c: StrataClient; rootfs: Buffer }> {
  const rootfs = busyboxTar(t)
  const d = await startDaemon(t)
  const c = await d.connect()
  t.teardown(() => c.close())
  return { d, c, rootfs }
}

t.test('import, list, tag, history, inspect', async (t) => {
  const { c, rootfs } = await setUp(t)
  const id = await importTar(c, rootfs, {
    ref: 'busybox:test',
    changes: ['CMD ["/bin/sh"]', 'LABEL team=storage', 'ENV A=1'],
    message: 'from busybox-static',
  })
  t.match(id, /^sha256:[0-9a-f]{64}$/)
  await c.call('image.tag', { source: id.slice(7, 19), target: 'me/bb:v1' })
  const [img] = await c.call('image.list', {})
  t.match(img, { id, repoTags: ['busybox:test', 'me/bb:v1'], dangling: false, labels: { team: 'storage' } })
  t.ok((img?.size ?? 0) > 1_000_000)
  const filtered = (f: Record<string, string[]>) => c.call('image.list', { filters: f }).then((l) => l.length)
  t.equal(await filtered({ reference: ['busy*'] }), 1)
  t.equal(await filtered({ reference: ['me/*:v1'] }), 1)
  t.equal(await filtered({ reference: ['nothing*'] }), 0)
  t.equal(await filtered({ label: ['team=storage'] }), 1)
  t.equal(await filtered({ label: ['team=other'] }), 0)
  t.equal(await filtered({ dangling: ['true'] }), 0)
  await t.rejects(c.call('image.list', { filters: { colour: ['x'] } }), { code: 'INVALID_ARGUMENT' })
  const history = await c.call('image.history', { image: 'me/bb:v1' })
  t.match(history, [{ id, comment: 'from busybox-static', tags: ['busybox:test', 'me/bb:v1'] }])
  const inspect = await c.call('image.inspect', { image: 'busybox:test' })
  t.match(inspect, { Id: id, RepoTags: ['busybox:test', 'me/bb:v1'], Comment: 'from busybox-static', Os: 'linux' })
  t.match(inspect.Config, { Cmd: ['/bin/sh'], Env: ['A=1'], Labels: { team: 'storage' } })
  t.equal((inspect.RootFS as { Layers: string[] }).Layers.length, 1)
  await t.rejects(c.call('image.inspect', { image: 'nosuch:tag' }), {
    code: 'NOT_FOUND',
    message: 'No such image: nosuch:tag',
  })
  await t.rejects(c.call('image.tag', { source: id, target: 'Bad:Name' }), { code: 'INVALID_ARGUMENT' })
})

t.test('busybox runs in a mount of the imported layer', async (t) => {
  const { c, rootfs } = await setUp(t)
  const mnt = tmpdir(t, 'strata-mnt-')
  const id = await importTar(c, rootfs)
  const m = await c.call('mount.create', {
    target: mnt,
    spec: { lowerdirs: await imageLayerDirs(c, id), readonly: true },
  })
  t.teardown(() => c.call('mount.remove', { mount: m.id, force: true }).then(() => undefined))
  t.equal(
    execFileSync('chroot', [mnt, '/bin/sh', '-c', 'echo hello from $(/bin/busybox basename /bin/sh)'], {
      encoding: 'utf8',
    }),
    'hello from sh\n',
  )
})

t.test('rmi: untag while other tags remain; delete at the last; shared layers stay until unused', async (t) => {
  const { d, c, rootfs } = await setUp(t)
  const a = await importTar(c, rootfs, { ref: 'a:1' })
  const b = await importTar(c, rootfs, { ref: 'b:1', message: 'same layer, other config' })
  t.not(a, b)
  await c.call('image.tag', { source: 'a:1', target: 'a:2' })
  t.same(await c.call('image.remove', { image: 'a:1' }), [{ Untagged: 'a:1' }])
  await c.call('image.tag', { source: 'a:2', target: 'a:3' })
  await t.rejects(c.call('image.remove', { image: a }), { code: 'CONFLICT', message: /must be forced/ })
  const layersBefore = readdirSync(join(d.root, 'layers'))
  t.equal(layersBefore.length, 1, 'one layer for both images')
  const forced = await c.call('image.remove', { image: a, force: true })
  t.same(forced, [{ Untagged: 'a:2' }, { Untagged: 'a:3' }, { Deleted: a }], 'the layer stays: b uses it')
  t.same(readdirSync(join(d.root, 'layers')), layersBefore)
  const last = await c.call('image.remove', { image: 'b:1' })
  t.match(last, [{ Untagged: 'b:1' }, { Deleted: b }, { Deleted: /^sha256:/ }])
  t.same(readdirSync(join(d.root, 'layers')), [])
  t.same(await c.call('image.list', { all: true }), [])
  await t.rejects(c.call('image.remove', { image: 'b:1' }), { code: 'NOT_FOUND' })
})

t.test('hostile and abandoned uploads leave nothing; images survive a restart', async (t) => {
  const { d, c, rootfs } = await setUp(t)
  await t.rejects(importTar(c, tar([{ file: '../../etc/evil', body: 'x' }])), {
    code: 'INVALID_ARGUMENT',
    message: /contains \.\./,
  })
  await t.rejects(importTar(c, rootfs, { changes: ['RUN rm -rf /'] }), {
    code: 'INVALID_ARGUMENT',
    message: /not a valid change/,
  })
  const raw = connect(d.socket)
  await new Promise((r) => raw.once('connect', r))
  raw.write(encodeFrame({ id: 0, method: 'hello', params: { version: 1 } }))
  raw.write(encodeFrame({ id: 1, method: 'image.import', params: {} }))
  raw.write(encodeFrame({ id: 1, chunk: rootfs.subarray(0, 200_000) }))
  await new Promise((r) => setTimeout(r, 200))
  raw.destroy()
  for (let i = 0; i < 100 && readdirSync(join(d.root, 'tmp')).length; i++) await new Promise((r) => setTimeout(r, 50))
  t.same(readdirSync(join(d.root, 'tmp')), [], 'staging removed')
  t.same(readdirSync(join(d.root, 'layers')), [], 'no layer')
  t.same(await c.call('image.list', { all: true }), [])
  const id = await importTar(c, rootfs, { ref: 'kept:1' })
  c.close()
  await d.stop('SIGTERM')
  const again = await startDaemon(t, { root: d.root, socket: d.socket })
  const c2 = await again.connect()
  t.teardown(() => c2.close())
  t.match(await c2.call('image.list', {}), [{ id, repoTags: ['kept:1'] }])
  t.match(await c2.call('system.info', {}), { counts: { images: 1, layers: 1 } })
})
