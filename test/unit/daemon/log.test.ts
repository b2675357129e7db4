import t from 'tap'
import { createLogger } from '../../../daemon/log.js'

t.test('one JSON line per record: time, level, component, message, fields', async (t) => {
  const lines: string[] = []
  const log = createLogger('info', 'stratad', (l) => void lines.push(l))
  log.debug('dropped: below the level')
  log.info('mounted', { id: 'ab' })
  log.child('mounts').error('failed', { err: Object.assign(new Error('boom'), { code: 'EIO' }), plain: new Error('x') })
  t.equal(lines.length, 2, 'debug is below info')
  t.ok(
    lines.every((l) => l.endsWith('\n') && !l.slice(0, -1).includes('\n')),
    'one line each',
  )
  const [info, error] = lines.map((l) => JSON.parse(l) as Record<string, unknown>)
  t.match(info, { level: 'info', component: 'stratad', msg: 'mounted', id: 'ab' })
  t.ok(!Number.isNaN(Date.parse(String(info?.time))), `time is a date, got ${String(info?.time)}`)
  t.match(error, { level: 'error', component: 'stratad/mounts', msg: 'failed' })
  t.same(error?.err, { message: 'boom', code: 'EIO' }, 'an error with a code keeps it')
  t.equal(error?.plain, 'x', 'an error without a code is its message')
})
