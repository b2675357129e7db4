import t from 'tap'
import { startTimeOf } from '../../../daemon/mounts/worker-process.js'

t.test('a process start time identifies it; a missing pid has none', async (t) => {
  const mine = startTimeOf(process.pid)
  t.type(mine, 'number')
  t.equal(startTimeOf(process.pid), mine)
  t.equal(startTimeOf(2 ** 22 + 1), undefined)
})
