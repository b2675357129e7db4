import { spawn } from 'node:child_process'
import t from 'tap'
import { isAlive, startTimeOf } from '../../../daemon/process-start.js'

t.test('a process start time identifies it; a missing pid has none', async (t) => {
  const mine = startTimeOf(process.pid)
  t.type(mine, 'number')
  t.equal(startTimeOf(process.pid), mine)
  t.equal(startTimeOf(2 ** 22 + 1), undefined)
  t.ok(isAlive(process.pid, mine ?? null))
  t.notOk(isAlive(process.pid, (mine ?? 0) + 1), 'another start time is another process')
  t.notOk(isAlive(null, null))
})

t.test('a process that exited is not alive, even before it is reaped', async (t) => {
  const child = spawn('true', { stdio: 'ignore' })
  const pid = child.pid as number
  const start = startTimeOf(pid) ?? null
  await new Promise((r) => child.once('exit', r))
  t.notOk(isAlive(pid, start))
})
