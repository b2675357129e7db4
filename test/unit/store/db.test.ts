/**
 * The metadata database: `list` gives the values under one prefix in key order and nothing of a
 * neighbouring prefix; a batch applies all its ops.
 */
import t from 'tap'
import { Db } from '../../../daemon/store/db.js'
import { tmpdir } from '../../helpers/tmpdir.js'

t.test('list: one prefix, in key order', async (t) => {
  const db = await Db.open(tmpdir(t))
  t.teardown(() => db.close())
  await db.batch([
    { type: 'put', key: 'image/b', value: { n: 2 } },
    { type: 'put', key: 'image/a', value: { n: 1 } },
    { type: 'put', key: 'image-mount/a', value: { n: 9 } },
    { type: 'put', key: 'imagez', value: { n: 8 } },
    { type: 'put', key: 'tag/x', value: 'y' },
  ])
  t.same(await db.list('image/'), [{ n: 1 }, { n: 2 }])
  t.same(await db.list('tag/'), ['y'])
  t.same(await db.list('container/'), [], 'an empty prefix')
  await db.batch([{ type: 'del', key: 'image/a' }])
  t.same(await db.list('image/'), [{ n: 2 }])
})
