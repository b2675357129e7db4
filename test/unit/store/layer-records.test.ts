/**
 * Layer records over a real LevelDB: the chain walks, NOT_FOUND for an unknown layer, the batch
 * ops that put and delete a record, and a push's gzip digest noted on a stored record only.
 */
import t from 'tap'
import { chainIdOf, sha256, type ChainId, type DiffId } from '../../../daemon/digests.js'
import { Db } from '../../../daemon/store/db.js'
import { LayerRecords, type LayerRecord } from '../../../daemon/store/layer-records.js'
import { tmpdir } from '../../helpers/tmpdir.js'

function layer(parent: ChainId | null, n: number): LayerRecord {
  const diffId = sha256(`layer ${n}`) as DiffId
  return {
    chainId: chainIdOf(parent, diffId),
    diffId,
    parent,
    size: n,
    diskBytes: 4096,
    entries: 1,
    createdAt: '2026-01-01T00:00:00.000Z',
  }
}

t.test('records: chains, lookups, put and delete ops', async (t) => {
  const db = await Db.open(tmpdir(t))
  t.teardown(() => db.close())
  const records = new LayerRecords(db)
  const base = layer(null, 1)
  const mid = layer(base.chainId, 2)
  const top = layer(mid.chainId, 3)
  await db.batch([base, mid, top].map((r) => records.putOp(r)))

  t.same(
    (await records.chain(top.chainId)).map((r) => r.chainId),
    [top.chainId, mid.chainId, base.chainId],
    'top first',
  )
  t.same(
    (await records.baseFirst(top.chainId)).map((r) => r.chainId),
    [base.chainId, mid.chainId, top.chainId],
    'base first',
  )
  t.same(await records.baseFirst(null), [], 'an image with no layers')
  t.ok(await records.has(mid.chainId))
  const unknown = sha256('nothing') as ChainId
  t.notOk(await records.has(unknown))
  await t.rejects(records.stat(unknown), { code: 'NOT_FOUND' })
  const walked: ChainId[] = []
  for await (const r of records.walk()) walked.push(r.chainId)
  t.same(walked.sort(), [base.chainId, mid.chainId, top.chainId].sort(), 'walk sees every record')

  await records.rememberGzip(top.chainId, { digest: sha256('gz'), size: 7 })
  t.same((await records.stat(top.chainId)).gzip, { digest: sha256('gz'), size: 7 })
  await db.batch(records.deleteOps(top.chainId))
  t.notOk(await records.has(top.chainId), 'deleted by its ops')
  await records.rememberGzip(top.chainId, { digest: sha256('gz'), size: 7 })
  t.notOk(await records.has(top.chainId), 'a deleted layer is not brought back by a late push')
})
