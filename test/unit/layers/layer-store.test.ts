/**
 * The layer store over a real LevelDB and data root: stage, record in one batch, export the same
 * bytes, dedupe by chainID, compressed input, refusals that change nothing, reconcile, and content sizes.
 */
import { existsSync, mkdirSync, readdirSync, renameSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import t, { type Test } from 'tap'
import { chainIdOf, hexOf, sha256, type ChainId, type DiffId } from '../../../daemon/digests.js'
import { LayerStore } from '../../../daemon/layers/layer-store.js'
import { createLogger } from '../../../daemon/log.js'
import { Db } from '../../../daemon/store/db.js'
import { MetadataQueue } from '../../../daemon/store/metadata-queue.js'
import { chunks, tar } from '../../helpers/tar-builder.js'
import { tmpdir } from '../../helpers/tmpdir.js'

async function store(t: Test, limits?: { maxBytes: number; maxEntries: number }) {
  const root = tmpdir(t, 'strata-layers-')
  mkdirSync(join(root, 'tmp'))
  const db = await Db.open(root)
  t.teardown(() => db.close())
  const logs: string[] = []
  return {
    root,
    db,
    logs,
    layers: new LayerStore(
      root,
      db,
      createLogger('debug', 'test', (l) => void logs.push(l)),
      limits,
    ),
  }
}

/** LayerStore.record under a metadata queue of its own, as the daemon calls it. */
const queue = new MetadataQueue()
const record = (
  layers: LayerStore,
  ...args: Parameters<LayerStore['record']> extends [unknown, ...infer R] ? R : never
) => queue.add((lock) => layers.record(lock, ...args))

const collect = async (it: AsyncIterable<Buffer>) => {
  const parts: Buffer[] = []
  for await (const b of it) parts.push(b)
  return Buffer.concat(parts)
}

const base = tar([{ dir: 'etc/' }, { file: 'etc/os-release', body: 'ID=strata\n' }])
const top = tar([{ file: 'etc/.wh.os-release' }, { file: 'etc/motd', body: 'hello\n' }])

t.test('stage, record, export; the chain of a child layer', async (t) => {
  const { root, db, layers } = await store(t)
  const a = await layers.stage(null, chunks(base))
  t.equal(a.layer.diffId, sha256(base))
  t.equal(a.layer.chainId, a.layer.diffId, 'the chainID of a base layer is its diffID')
  await t.rejects(layers.stat(a.layer.chainId), { code: 'NOT_FOUND' }, 'not recorded before the batch')
  await record(layers, [a], (ops) => db.batch(ops))
  const b = await layers.stage(a.layer.chainId, chunks(top))
  await record(layers, [b], (ops) => db.batch(ops))
  t.equal(b.layer.chainId, chainIdOf(a.layer.chainId, sha256(top) as DiffId))
  t.same(
    (await layers.chain(b.layer.chainId)).map((l) => l.chainId),
    [b.layer.chainId, a.layer.chainId],
  )
  t.ok((await collect(layers.export(a.layer.chainId))).equals(base))
  t.ok((await collect(layers.export(b.layer.chainId))).equals(top))
  t.same(readdirSync(join(root, 'tmp')), [], 'staging is cleaned up')
  t.ok(existsSync(join(layers.diffDir(b.layer.chainId), 'etc/motd')))
})

t.test('a layer already stored is not stored twice; gzip input gives the same layer', async (t) => {
  const { root, db, layers } = await store(t)
  const first = await layers.stage(null, chunks(base))
  await record(layers, [first], (ops) => db.batch(ops))
  const again = await layers.stage(null, chunks(gzipSync(base)))
  let ops: unknown[] = ['not called']
  const [stored] = await record(layers, [again], async (o) => void (ops = o))
  t.same(ops, [], 'nothing to record')
  t.same(stored, first.layer, 'the stored record is given back')
  t.equal(again.layer.chainId, first.layer.chainId, 'the diffID is of the uncompressed tar')
  t.same(readdirSync(join(root, 'layers')), [hexOf(first.layer.chainId)])
  t.same(readdirSync(join(root, 'tmp')), [])
})

t.test('refusals change nothing: mismatching diffID, hostile tar, bad compression, unknown parent', async (t) => {
  const { root, db, layers } = await store(t, { maxBytes: 1_000_000, maxEntries: 100 })
  await record(layers, [await layers.stage(null, chunks(base))], (ops) => db.batch(ops))
  const before = readdirSync(join(root, 'layers'))
  const wrong = sha256('something else') as DiffId
  await t.rejects(layers.stage(null, chunks(top), { expectDiffId: wrong }), {
    code: 'INVALID_ARGUMENT',
    message: /diffID mismatch/,
  })
  await t.rejects(layers.stage(null, chunks(tar([{ file: '../x', body: 'x' }]))), {
    code: 'INVALID_ARGUMENT',
    message: /contains \.\./,
  })
  await t.rejects(layers.stage(null, chunks(gzipSync(base).subarray(0, 40))), {
    code: 'INVALID_ARGUMENT',
    message: /corrupt gzip|truncated/,
  })
  await t.rejects(layers.stage(null, chunks(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0, 0]))), {
    code: 'INVALID_ARGUMENT',
    message: /corrupt zstd/,
  })
  await t.rejects(layers.stage(null, chunks(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0, 1, 2]))), {
    code: 'INVALID_ARGUMENT',
    message: /corrupt xz/,
  })
  await t.rejects(
    layers.stage(null, chunks(gzipSync(Buffer.alloc(2_000_000)))),
    { code: 'INVALID_ARGUMENT', message: /limit/ },
    'a gzip bomb',
  )
  const orphan = await layers.stage(sha256('no such parent') as ChainId, chunks(top))
  await t.rejects(
    record(layers, [orphan], (ops) => db.batch(ops)),
    { code: 'NOT_FOUND' },
  )
  const failing = await layers.stage(null, chunks(top))
  await t.rejects(
    record(layers, [failing], () => Promise.reject(new Error('the batch failed'))),
    /the batch failed/,
  )
  t.notOk(await layers.has(failing.layer.chainId))
  t.same(readdirSync(join(root, 'layers')), before)
  t.same(readdirSync(join(root, 'tmp')), [])
})

t.test('reconcile removes layer directories without a record', async (t) => {
  const { root, layers, logs } = await store(t)
  // Renamed into place, then the batch never happened: a crash.
  const staged = await layers.stage(null, chunks(base))
  renameSync(staged.dir, join(root, 'layers', hexOf(staged.layer.chainId)))
  await layers.reconcile()
  t.same(readdirSync(join(root, 'layers')), [])
  t.ok(logs.some((l) => l.includes('without a record')))
})

t.test("a layer's content size: kept when staged, filled in by reconcile for an older record", async (t) => {
  const { db, layers, logs } = await store(t)
  const a = await layers.stage(null, chunks(base))
  t.equal(a.layer.contentBytes, 'ID=strata\n'.length, "its file's bytes, not the tar's")
  await record(layers, [a], (ops) => db.batch(ops))
  const { contentBytes: _, ...older } = await layers.stat(a.layer.chainId)
  await db.batch([{ type: 'put', key: `layer/${older.chainId}`, value: older }])
  t.equal((await layers.stat(a.layer.chainId)).contentBytes, undefined, 'as an older stratad stored it')
  await layers.reconcile()
  t.equal((await layers.stat(a.layer.chainId)).contentBytes, 'ID=strata\n'.length)
  t.ok(logs.some((l) => l.includes('recorded the content size of layers stored before it was kept')))
})
