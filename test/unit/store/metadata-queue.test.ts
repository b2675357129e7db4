import t from 'tap'
import { MetadataLock, MetadataQueue } from '../../../daemon/store/metadata-queue.js'

t.test('tasks run one at a time, in the order added', async (t) => {
  const q = new MetadataQueue()
  const events: string[] = []
  let release: () => void = () => {}
  const gate = new Promise<void>((r) => (release = r))
  const first = q.add(async () => {
    events.push('first starts')
    await gate
    events.push('first ends')
    return 1
  })
  const second = q.add(async () => {
    events.push('second starts')
    return 2
  })
  await new Promise((r) => setImmediate(r))
  t.same(events, ['first starts'], 'the second waits for the first')
  release()
  t.same(await Promise.all([first, second]), [1, 2])
  t.same(events, ['first starts', 'first ends', 'second starts'])
})

t.test('a lock is good while its task runs, and throws after it ended', async (t) => {
  const q = new MetadataQueue()
  let kept: MetadataLock | undefined
  await q.add(async (lock) => {
    t.doesNotThrow(() => lock.check(), 'inside its task')
    await new Promise((r) => setImmediate(r))
    t.doesNotThrow(() => lock.check(), 'after an await inside its task')
    kept = lock
  })
  t.throws(() => kept?.check(), TypeError, 'kept past its task')
})

t.test('a failing task ends its lock and lets the next one run', async (t) => {
  const q = new MetadataQueue()
  let kept: MetadataLock | undefined
  await t.rejects(
    q.add(async (lock) => {
      kept = lock
      throw new Error('boom')
    }),
    { message: 'boom' },
  )
  t.throws(() => kept?.check(), TypeError)
  t.equal(await q.add(async () => 'next'), 'next')
})

t.test('a lock cannot be made outside the queue', async (t) => {
  // The constructor's key is module-private: the type system refuses this, and so does the runtime.
  t.throws(() => new MetadataLock(Symbol('MetadataLock') as never), TypeError)
})
