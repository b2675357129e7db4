import t from 'tap'
import { Leases } from '../../../daemon/leases.js'
import { createLogger } from '../../../daemon/log.js'

function leases() {
  const logs: string[] = []
  return { l: new Leases<string>(createLogger('debug', 'test', (line) => void logs.push(line))), logs }
}

t.test('a removal waits for the last holder', async (t) => {
  const { l } = leases()
  const removed: string[] = []
  const a = l.hold(['x', 'y'])
  const b = l.hold(['x', 'x'])
  l.removeWhenFree('x', () => removed.push('x'))
  l.removeWhenFree('z', () => removed.push('z'))
  t.same(removed, ['z'], 'a key nobody holds goes at once')
  a()
  t.same(removed, ['z'], 'one holder left')
  a()
  t.same(removed, ['z'], 'releasing twice counts once')
  b()
  t.same(removed, ['z', 'x'])
  t.notOk(l.isHeld('x'))
  t.notOk(l.isHeld('y'))
})

t.test('a cancelled removal does not run', async (t) => {
  const { l } = leases()
  let ran = false
  const release = l.hold(['x'])
  l.removeWhenFree('x', () => (ran = true))
  t.ok(l.cancel('x'))
  t.notOk(l.cancel('x'), 'only once')
  release()
  t.notOk(ran)
})

t.test('a removal that fails after the lease is logged, not thrown at the reader', async (t) => {
  const { l, logs } = leases()
  const release = l.hold(['x'])
  l.removeWhenFree('x', () => {
    throw new Error('EBUSY')
  })
  t.doesNotThrow(release)
  t.match(logs.join('\n'), /cannot remove a directory after its lease ended/)
})
