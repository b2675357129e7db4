/**
 * image prune, system df, fsck and layer why through a real stratad: dangling versus -a, the
 * until and label filters, reclaimed bytes equal to what left the disk, df's shared/unique
 * split and its totals against `du`, a store damaged by hand (wrong refcount, a tag of a missing
 * image, a leaked layer, a stray directory, a stale size, lost content) found and repaired.
 */
import { execFileSync, execFile } from 'node:child_process'
import { mkdirSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t, { type Test } from 'tap'
import type { StrataClient } from '../../client/client.js'
import type { ChainId } from '../../daemon/digests.js'
import { LayerStore } from '../../daemon/layers/layer-store.js'
import { createLogger } from '../../daemon/log.js'
import { Db } from '../../daemon/store/db.js'
import { layerKey, refcountKey, tagKey } from '../../daemon/store/keys.js'
import { startDaemon, STRATA_CLI, type Daemon } from '../helpers/daemon.js'
import { digestOf, imageIdOf, legacyDockerArchive, type TestImage } from '../helpers/image-archive.js'
import { chunks, tar } from '../helpers/tar-builder.js'
import { MetadataQueue } from '../../daemon/store/metadata-queue.js'

const L1 = tar([{ dir: 'etc/' }, { file: 'etc/big', body: Buffer.alloc(300_000, 1) }])
const L2 = tar([{ file: 'etc/motd', body: Buffer.alloc(20_000, 2) }])
const L3 = tar([{ file: 'opt/data', body: Buffer.alloc(50_000, 3) }])
const L4 = tar([{ file: 'srv/x', body: Buffer.alloc(70_000, 4) }])
const A: TestImage = { layers: [L1, L2], tags: ['a:1'] }
const B: TestImage = { layers: [L1, L2, L3], tags: ['b:1'] }
const D: TestImage = { layers: [L4] } // dangling
const KEEP: TestImage = { layers: [L3], tags: ['keep:1'], config: { Labels: { keep: 'yes' } } }

async function setUp(t: Test, images: TestImage[]): Promise<{ d: Daemon; c: StrataClient }> {
  const d = await startDaemon(t)
  const c = await d.connect()
  t.teardown(() => c.close())
  await c.call('image.load', {}, { upload: chunks(legacyDockerArchive(images), 65536) })
  return { d, c }
}

/** What `du -s -B1` says the layer directories take, in total. */
function duLayers(root: string): number {
  const dirs = readdirSync(join(root, 'layers')).map((n) => join(root, 'layers', n))
  if (!dirs.length) return 0
  const out = execFileSync('du', ['-s', '-B1', ...dirs]).toString()
  return out
    .trim()
    .split('\n')
    .reduce((n, line) => n + Number(line.split('\t')[0]), 0)
}

const cli = (d: Daemon, ...args: string[]) =>
  promisify(execFile)(process.execPath, [STRATA_CLI, ...args], { env: { ...process.env, STRATA_SOCKET: d.socket } })

t.test('prune removes dangling images; -a removes every unused one; reclaimed is what left the disk', async (t) => {
  const { d, c } = await setUp(t, [A, B, D])
  const before = duLayers(d.root)
  const r = await c.call('image.prune', {})
  t.same(r.deleted[0], { Deleted: imageIdOf(D) })
  t.equal(r.reclaimed, before - duLayers(d.root), 'reclaimed equals the bytes that left the disk')
  t.same((await c.call('image.list', { all: true })).map((i) => i.id).sort(), [imageIdOf(A), imageIdOf(B)].sort())
  t.equal((await c.call('image.prune', {})).deleted.length, 0, 'nothing dangling is left')
  const df = await c.call('system.df', {})
  const all = await c.call('image.prune', { all: true })
  t.same(all.deleted.flatMap((e) => ('Untagged' in e ? [e.Untagged] : [])).sort(), ['a:1', 'b:1'])
  t.equal(all.reclaimed, df.images.reclaimable, 'df predicted what prune -a gives back')
  t.same(readdirSync(join(d.root, 'layers')), [])
  t.same((await c.call('system.fsck', {})).problems, [])
})

t.test('prune filters: until and label', async (t) => {
  const { c } = await setUp(t, [A, KEEP])
  const ids = async () => (await c.call('image.list', {})).map((i) => i.id).sort()
  t.same((await c.call('image.prune', { all: true, filters: { until: ['2025-01-01T00:00:00Z'] } })).deleted, [])
  t.same((await c.call('image.prune', { all: true, filters: { until: ['1735689600'] } })).deleted, [], 'unix seconds')
  await c.call('image.prune', { all: true, filters: { 'label!': ['keep'], until: ['1h'] } })
  t.same(await ids(), [imageIdOf(KEEP)], 'label!= kept the labelled image')
  await c.call('image.prune', { all: true, filters: { label: ['keep=no'] } })
  t.same(await ids(), [imageIdOf(KEEP)])
  await c.call('image.prune', { all: true, filters: { label: ['keep=yes'] } })
  t.same(await ids(), [])
  await t.rejects(c.call('image.prune', { filters: { colour: ['x'] } }), { code: 'INVALID_ARGUMENT' })
  await t.rejects(c.call('image.prune', { filters: { until: ['yesterday-ish'] } }), { code: 'INVALID_ARGUMENT' })
})

t.test('system df: shared and unique sizes, totals equal to du', async (t) => {
  const { d, c } = await setUp(t, [A, B, D])
  const df = await c.call('system.df', {})
  t.equal(df.layers.size, duLayers(d.root), 'layer bytes are what du says')
  t.equal(df.images.size, df.layers.size, 'every layer belongs to an image')
  t.match(df.images, { total: 3, active: 0 })
  t.equal(df.images.reclaimable, df.images.size, 'no container uses any image')
  const detail = (id: string) => df.imageDetails.find((i) => i.id === id)
  const a = detail(imageIdOf(A))
  const b = detail(imageIdOf(B))
  t.equal(a?.uniqueSize, 0, "A's layers are all B's too")
  t.equal(a?.sharedSize, a?.size)
  t.equal(b?.uniqueSize, 50_000, "B's top layer is its own: its file's bytes, as Docker counts them")
  t.equal((b?.uniqueSize ?? 0) + (a?.size ?? 0), b?.size)
  const text = (await cli(d, 'system', 'df')).stdout
  t.match(text, /^TYPE\s+TOTAL\s+ACTIVE\s+SIZE\s+RECLAIMABLE\nImages\s+3\s+0\s+\S+\s+\S+ \(100%\)\n/)
  t.match((await cli(d, 'system', 'df', '-v')).stdout, /Images space usage:[\s\S]*b\s+1\s+[0-9a-f]{12}/)
})

t.test('fsck finds damage and repairs what it safely can; layer why', async (t) => {
  const { d, c } = await setUp(t, [A, B])
  const clean = await cli(d, 'fsck')
  t.match(clean.stdout, /checked 3 layers, 2 images, 2 tags, 0 containers: 0 problems/)
  const base = digestOf(L1) as ChainId
  const why = await c.call('layer.why', { layer: base.slice(7, 19) })
  t.equal(why.refcount, 1)
  t.same(
    why.referrers.map((r) => r.kind),
    ['layer'],
  )
  t.same(why.images.map((i) => i.names).sort(), [['a:1'], ['b:1']])
  t.match((await cli(d, 'layer', 'why', base)).stdout, /in the chain of image sha256:[0-9a-f]+ \(a:1\)/)
  await t.rejects(c.call('layer.why', { layer: 'ffff' }), { code: 'NOT_FOUND' })

  await c.close()
  await d.stop()
  const db = await Db.open(d.root)
  const stray = join(d.root, 'layers', 'f'.repeat(64))
  await db.batch([
    { type: 'put', key: refcountKey(base), value: 5 },
    {
      type: 'put',
      key: tagKey('docker.io/library/ghost:1'),
      value: { ref: 'docker.io/library/ghost:1', imageId: digestOf('x') },
    },
  ])
  const rec = await db.get<{ diskBytes: number }>(layerKey(base))
  await db.batch([{ type: 'put', key: layerKey(base), value: { ...rec, diskBytes: 1 } }])
  const layers = new LayerStore(
    d.root,
    db,
    createLogger('error', 'test', () => undefined),
  )
  mkdirSync(join(d.root, 'tmp'), { recursive: true })
  const leaked = await layers.stage(null, chunks(L4))
  await new MetadataQueue().add((lock) => layers.record(lock, [leaked], (ops) => db.batch(ops))) // a leak: no image
  await db.close()

  const d2 = await startDaemon(t, { root: d.root })
  // stratad's own start-up reconcile would remove the stray directory: put it back for fsck.
  mkdirSync(join(stray, 'diff'), { recursive: true })
  const found = await cli(d2, 'fsck').catch((e: { code: number; stdout: string }) => e)
  t.equal((found as { code?: number }).code, 1, 'fsck exits 1 when it finds problems')
  const c2 = await d2.connect()
  t.teardown(() => c2.close())
  const problems = (await c2.call('system.fsck', {})).problems
  t.same(problems.map((p) => p.kind).sort(), ['layer', 'layer', 'layer-dir', 'refcount', 'tag'])
  t.ok(problems.some((p) => /leaked/.test(p.message) && p.subject === leaked.layer.chainId))
  const repaired = await cli(d2, 'fsck', '--repair')
  t.match(repaired.stdout, /5 problems, 5 repaired/)
  t.same((await c2.call('system.fsck', {})).problems, [], 'clean after repair')
  t.notOk(readdirSync(join(d.root, 'layers')).includes('f'.repeat(64)))
  t.equal((await c2.call('layer.why', { layer: base })).refcount, 1)
  t.equal((await c2.call('system.df', {})).layers.size, duLayers(d.root))

  rmSync(join(d.root, 'layers', base.slice(7), 'tar-split.gz'))
  const lost = (await c2.call('system.fsck', { repair: true })).problems
  t.match(lost, [{ kind: 'layer-dir', repaired: false, message: /missing/ }], 'lost content is reported, not guessed')
})

t.test('a prune while a load is in flight: the load still records its image whole', async (t) => {
  const { d, c } = await setUp(t, [A])
  const BIG = tar([{ file: 'big', body: Buffer.alloc(8 * 1024 * 1024, 5) }])
  const archive = legacyDockerArchive([{ layers: [L1, L2, BIG], tags: ['big:1'] }])
  let release: () => void = () => undefined
  const gate = new Promise<void>((r) => (release = r))
  const upload = (async function* () {
    const cut = archive.length - 4 * 1024 * 1024 // inside BIG: L1 and L2 are staged by then
    yield* chunks(archive.subarray(0, cut), 65536)
    await gate
    yield* chunks(archive.subarray(cut), 65536)
  })()
  const loading = c.call('image.load', {}, { upload })
  while (readdirSync(join(d.root, 'tmp')).filter((n) => n.startsWith('layer-')).length < 3)
    await new Promise((r) => setTimeout(r, 5))
  const pruned = await c.call('image.prune', { all: true })
  t.ok(
    pruned.deleted.some((e) => 'Deleted' in e && e.Deleted === digestOf(L1)),
    'prune deleted the layers the load had found present',
  )
  release()
  t.same((await loading).images, [{ id: imageIdOf({ layers: [L1, L2, BIG] }), tags: ['big:1'] }])
  t.same((await c.call('system.fsck', {})).problems, [], 'fsck is clean')
  t.equal(readdirSync(join(d.root, 'layers')).length, 3, 'the load placed its own copies of them')
  t.same(((await c.call('image.inspect', { image: 'big:1' })).RootFS as { Layers: string[] }).Layers, [
    digestOf(L1),
    digestOf(L2),
    digestOf(BIG),
  ])
})
