/**
 * A container's process outlives its stratad (containers/monitor.ts): with the daemon stopped
 * (SIGTERM) or killed (SIGKILL), the process still runs, the next daemon on the same root shows
 * it Up, and stop works; a process that ends while no daemon runs has its exit status recorded
 * by the next one, which then releases its mount and removes it when it was run with --rm.
 */
import { chmodSync, existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { cgroupsOf, monitorPids, runDaemon, until } from '../helpers/run-fixtures.js'
import { tmpdir } from '../helpers/tmpdir.js'

const LOOP = 'trap "echo got term; exit 7" TERM; echo up; while :; do sleep 0.1; done'

for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
  t.test(`stratad stopped with ${signal}: the process runs on, and stop works with the next daemon`, async (t) => {
    const { d: first, cli } = await runDaemon(t)
    const id = (await cli('run', '-d', '--name', 'survivor', 'bb:run', 'sh', '-c', LOOP)).stdout.trim()
    await until('the process to start', async () => (await cli('logs', 'survivor')).stdout === 'up\n')
    const monitors = monitorPids(first.root)
    t.equal(monitors.length, 1, 'one monitor')

    await first.stop(signal)
    t.same(monitorPids(first.root), monitors, 'the monitor outlived the daemon')
    t.ok(cgroupsOf(id).length > 0, 'the process still has its cgroup')

    const { d: second } = await runDaemon(t, { busybox: false, root: first.root, socket: first.socket })
    t.match((await cli('ps', '--format', '{{.Names}} {{.Status}}')).stdout, /^survivor Up /m)
    t.match(await cli('exec', 'survivor', 'echo', 'still here'), { code: 0, stdout: 'still here\n' })
    t.match(await cli('stop', 'survivor'), { code: 0, stdout: 'survivor\n' })
    t.match(await cli('wait', 'survivor'), { stdout: '7\n' })
    t.equal((await cli('logs', 'survivor')).stdout, 'up\ngot term\n')
    t.same(cgroupsOf(id), [])
    t.same(monitorPids(first.root), [])
    t.match(await cli('rm', 'survivor'), { code: 0 })
    await second.stop()
  })
}

t.test('a process that ends while no daemon runs is recorded, unmounted and --rm-removed by the next', async (t) => {
  const { d: first, cli } = await runDaemon(t)
  const host = tmpdir(t)
  chmodSync(host, 0o777)
  const script = 'echo up; while [ ! -f /h/go ]; do sleep 0.1; done; exit 9'
  const kept = (
    await cli('run', '-d', '--name', 'kept', '-v', `${host}:/h`, 'bb:run', 'sh', '-c', script)
  ).stdout.trim()
  const gone = (await cli('run', '-d', '--rm', '-v', `${host}:/h`, 'bb:run', 'sh', '-c', script)).stdout.trim()
  await until(
    'both to start',
    async () => (await cli('logs', 'kept')).stdout === 'up\n' && (await cli('logs', gone)).stdout === 'up\n',
  )
  await first.stop('SIGKILL')

  writeFileSync(join(host, 'go'), '')
  await until('both to end', () => [kept, gone].every((id) => existsSync(join(first.root, 'containers', id, 'exit'))))
  const { client: c2 } = await runDaemon(t, { busybox: false, root: first.root, socket: first.socket })
  t.match(await cli('wait', 'kept'), { stdout: '9\n' })
  t.match((await cli('ps', '-a', '--format', '{{.Names}} {{.Status}} {{.Mounts}}')).stdout, /^kept Exited \(9\) .* $/m)
  await until(
    'the --rm container to go',
    async () => !(await cli('ps', '-a', '-q', '--no-trunc')).stdout.includes(gone),
  )
  t.same(await c2.call('mount.list', {}), [], 'no mount left')
  t.match(await cli('rm', 'kept'), { code: 0 })
})
