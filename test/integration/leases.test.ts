/**
 * Leases through a real stratad: a save or export that is still streaming keeps the directories
 * it reads, however the records change meanwhile (rmi, prune -a, rm -f); they go when it ends;
 * a layer stored again while held keeps its directory; fsck never reports a held directory.
 */
import { randomBytes } from 'node:crypto'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import t, { type Test } from 'tap'
import type { StrataClient } from '../../client/client.js'
import { saveImages } from '../helpers/download.js'
import { startDaemon, type Daemon } from '../helpers/daemon.js'
import { legacyDockerArchive, type TestImage } from '../helpers/image-archive.js'
import { chunks, tar } from '../helpers/tar-builder.js'

/** Bigger than the RPC window, so a held download stops in the middle of the first layer. */
const BIG = tar([{ file: 'big', body: randomBytes(8 << 20) }])
const SMALL = tar([{ file: 'small', body: 'on top\n' }])
const IMAGE: TestImage = { layers: [BIG, SMALL], tags: ['held:1'] }

/** A download sink that takes the first chunk and then holds everything until `go`. */
function heldSink() {
  const parts: Buffer[] = []
  let started!: () => void
  let go!: () => void
  const first = new Promise<void>((r) => (started = r))
  const gate = new Promise<void>((r) => (go = r))
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      parts.push(chunk)
      started()
      gate.then(() => cb(), cb)
    },
  })
  return { sink, first, go, bytes: () => Buffer.concat(parts) }
}

async function setup(t: Test): Promise<{ d: Daemon; c: StrataClient }> {
  const d = await startDaemon(t)
  const c = await d.connect()
  t.teardown(() => c.close())
  return { d, c }
}

const load = (c: StrataClient, archive: Buffer) => c.call('image.load', {}, { upload: chunks(archive, 65536) })
const layerDirs = (d: Daemon) => readdirSync(join(d.root, 'layers')).sort()
const problems = async (c: StrataClient) => (await c.call('system.fsck', {})).problems

t.test('rmi and prune -a during a save: the save completes, the layers go when it ends', async (t) => {
  const { d, c } = await setup(t)
  await load(c, legacyDockerArchive([IMAGE]))
  const plain = await saveImages(c, ['held:1'])
  const dirs = layerDirs(d)
  t.equal(dirs.length, 2)
  const held = heldSink()
  const saving = c.call('image.save', { images: ['held:1'] }, { download: held.sink })
  await held.first
  t.match(await c.call('image.remove', { image: 'held:1' }), [{ Untagged: 'held:1' }, { Deleted: /^sha256:/ }])
  await c.call('image.prune', { all: true })
  t.same(await c.call('image.list', { all: true }), [], 'the records are gone at once')
  t.same(layerDirs(d), dirs, 'the directories stay while the save reads them')
  t.same(await problems(c), [], 'fsck does not call a held directory stray')
  held.go()
  await saving
  t.ok(held.bytes().equals(plain), 'the save is whole and the same as before')
  t.same(layerDirs(d), [], 'the directories went when the save ended')
  t.same(await problems(c), [])
  const back = await load(c, held.bytes())
  t.same(back.images[0]?.tags, ['held:1'], 'what was saved loads again')
})

t.test('a layer stored again while a save holds it keeps its directory', async (t) => {
  const { d, c } = await setup(t)
  await load(c, legacyDockerArchive([IMAGE]))
  const dirs = layerDirs(d)
  const held = heldSink()
  const saving = c.call('image.save', { images: ['held:1'] }, { download: held.sink })
  await held.first
  await c.call('image.remove', { image: 'held:1' })
  await load(c, legacyDockerArchive([IMAGE]))
  held.go()
  await saving
  t.same(layerDirs(d), dirs, 'the revived layers keep their directories after the lease')
  t.same(await problems(c), [], 'records and directories agree')
  t.ok((await saveImages(c, ['held:1'])).equals(held.bytes()), 'and read back the same')
})

t.test('rm -f during an export: the export completes, the container directory goes after', async (t) => {
  const { d, c } = await setup(t)
  const { id: image } = await c.call('image.import', { ref: 'base:1' }, { upload: chunks(BIG, 65536) })
  const { id } = await c.call('container.create', { image })
  const held = heldSink()
  const exporting = c.call('container.export', { container: id }, { download: held.sink })
  await held.first
  await c.call('container.remove', { container: id, force: true })
  await c.call('image.remove', { image: 'base:1' })
  const dir = join(d.root, 'containers', id)
  t.ok(existsSync(dir), 'the container directory stays while the export reads it')
  t.same(await problems(c), [])
  held.go()
  const { bytes } = await exporting
  t.equal(held.bytes().length, bytes, 'every byte arrived')
  t.ok(held.bytes().includes(BIG.subarray(512, 4096)), 'with the layer content')
  t.notOk(existsSync(dir), 'the directory went when the export ended')
  t.same(layerDirs(d), [], 'and so did the layer')
  t.same(await problems(c), [])
})
