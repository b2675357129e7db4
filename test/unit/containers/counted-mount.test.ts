import { join } from 'node:path'
import t from 'tap'
import type { MountCreateParams, MountInfo } from '../../../client/protocol.js'
import { acquire, release, type Mounts } from '../../../daemon/containers/counted-mount.js'
import { tmpdir } from '../../helpers/tmpdir.js'

/** A supervisor that keeps its mounts in a map. */
function fakeMounts() {
  const live = new Map<string, MountInfo>()
  const removed: Array<{ id: string; force: boolean }> = []
  const asked: Array<{ makeTarget?: boolean; ownPlace?: boolean } | undefined> = []
  let n = 0
  const mounts: Mounts = {
    list: async () => [...live.values()],
    create: async (p: MountCreateParams, opts) => {
      asked.push(opts)
      const m: MountInfo = {
        id: `m${++n}`,
        target: p.target,
        spec: p.spec,
        volatile: false,
        state: 'serving',
        pid: 1,
        createdAt: '',
        restarts: 0,
      }
      live.set(m.id, m)
      return m
    },
    remove: async (id, force) => {
      removed.push({ id, force })
      live.delete(id)
      return id
    },
  }
  return { mounts, live, removed, asked }
}

const spec = { lowerdirs: ['/l'], readonly: true }

t.test('the first acquire mounts at the target (made if missing), later ones count', async (t) => {
  const { mounts, live, asked } = fakeMounts()
  const target = join(tmpdir(t), 'a', 'mnt')
  const one = await acquire(mounts, null, target, spec, false)
  t.same(one, { id: 'm1', target, count: 1 })
  t.same(asked, [{ makeTarget: true, ownPlace: false }], 'the supervisor makes the target')
  t.same(live.get('m1')?.spec, spec, 'the spec goes to the supervisor as given')
  const two = await acquire(mounts, one, target, spec, false)
  t.same(two, { id: 'm1', target, count: 2 }, 'no second mount')
  t.equal(live.size, 1)
})

t.test('a recorded mount the supervisor no longer has counts as not mounted', async (t) => {
  const { mounts, live, removed } = fakeMounts()
  const target = tmpdir(t)
  const gone = { id: 'by-hand', target, count: 3 }
  t.same(await acquire(mounts, gone, target, spec, true), { id: 'm1', target, count: 1 }, 'mounted afresh')
  t.equal(live.size, 1)
  t.equal(await release(mounts, gone, true), null, 'a forced release of it is done')
  t.same(removed, [], 'without asking the supervisor to remove what it does not have')
})

t.test('release counts down; the last one (or a forced one) unmounts', async (t) => {
  const { mounts, removed } = fakeMounts()
  const target = tmpdir(t)
  let m = await acquire(mounts, null, target, spec, true)
  m = await acquire(mounts, m, target, spec, true)
  const after = await release(mounts, m, false)
  t.same(after, { ...m, count: 1 }, 'one left')
  t.same(removed, [], 'still mounted')
  t.equal(await release(mounts, after, false), null)
  t.same(removed, [{ id: 'm1', force: false }])
  const again = await acquire(mounts, await acquire(mounts, null, target, spec, true), target, spec, true)
  t.equal(await release(mounts, again, true), null, 'forced: all at once')
  t.same(removed[1], { id: 'm2', force: true })
  t.equal(await release(mounts, null, false), null, 'nothing to release')
})
