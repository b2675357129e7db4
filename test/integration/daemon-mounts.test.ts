/**
 * Mount supervision through a real stratad: mounts keep serving across a daemon restart and are
 * re-adopted; after SIGKILL of daemon and worker the stale mount is remounted; a worker that
 * dies is replaced; a mount nobody owns is unmounted; busy mounts are IN_USE unless forced.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t, { type Test } from 'tap'
import type { StrataClient } from '../../client/client.js'
import type { MountInfo } from '../../client/protocol.js'
import { readMountinfo } from '../../daemon/mounts/mountinfo.js'
import { exitOf, startDaemon, workerPids, type Daemon } from '../helpers/daemon.js'
import { tmpdir } from '../helpers/tmpdir.js'

const WORKER = fileURLToPath(new URL('../../daemon/fuse/worker.js', import.meta.url))

interface Stack {
  lower: string
  upper: string
  work: string
  mnt: string
}

function stack(t: Test): Stack {
  const dir = tmpdir(t, 'strata-mnt-')
  const s = { lower: join(dir, 'lower'), upper: join(dir, 'upper'), work: join(dir, 'work'), mnt: join(dir, 'mnt') }
  for (const d of Object.values(s)) mkdirSync(d)
  writeFileSync(join(s.lower, 'hello'), 'from the lower layer\n')
  return s
}

async function mount(c: StrataClient, s: Stack): Promise<MountInfo> {
  return c.call('mount.create', {
    target: s.mnt,
    spec: { lowerdirs: [s.lower], upperdir: s.upper, workdir: s.work, readonly: false },
  })
}

async function within<T>(what: string, ms: number, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const v = await probe()
    if (v !== undefined) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** The error code reading `path` gives, or undefined while it still reads. */
function readError(path: string): string | undefined {
  try {
    readFileSync(path)
    return undefined
  } catch (err) {
    return (err as NodeJS.ErrnoException).code
  }
}

const isMounted = (target: string) => readMountinfo().some((m) => m.target === target)

async function only(d: Daemon): Promise<MountInfo> {
  const c = await d.connect()
  const list = await c.call('mount.list', {})
  c.close()
  if (list.length !== 1) throw new Error(`want one mount, got ${list.length}`)
  return list[0] as MountInfo
}

t.test('create, list, read and write; errors for bad specs', async (t) => {
  const s = stack(t) // before the daemon: teardowns run last-in first-out
  const other = stack(t)
  const d = await startDaemon(t)
  const c = await d.connect()
  t.teardown(() => c.close())
  const m = await mount(c, s)
  t.match(m, { target: s.mnt, state: 'serving', restarts: 0, spec: { lowerdirs: [s.lower], readonly: false } })
  t.equal(readFileSync(join(s.mnt, 'hello'), 'utf8'), 'from the lower layer\n')
  writeFileSync(join(s.mnt, 'new'), 'written through the mount')
  t.equal(readFileSync(join(s.upper, 'new'), 'utf8'), 'written through the mount')
  const entry = readMountinfo().find((e) => e.target === s.mnt)
  t.equal(entry?.source, `strata:${m.id}@${d.root}`, 'the mount source names the record and the root')
  await t.rejects(mount(c, s), { code: 'CONFLICT' })
  const bad = (spec: object, target = other.mnt) => c.callRaw('mount.create', { target, spec })
  await t.rejects(bad({ lowerdirs: [join(other.lower, 'missing')] }), {
    code: 'INVALID_ARGUMENT',
    message: /is not a directory/,
  })
  await t.rejects(bad({ lowerdirs: ['relative/dir'] }), { code: 'INVALID_ARGUMENT', message: /absolute/ })
  await t.rejects(bad({ lowerdirs: [other.lower], upperdir: other.upper }), {
    code: 'INVALID_ARGUMENT',
    message: /go together/,
  })
  await t.rejects(bad({ lowerdirs: [other.lower] }, join(other.lower, 'hello')), { code: 'INVALID_ARGUMENT' })
  await t.rejects(bad({ lowerdirs: ['/a,b'] }), { code: 'INVALID_ARGUMENT', message: /not supported/ })
  await t.rejects(bad({ lowerdirs: [] }), { code: 'INVALID_ARGUMENT' })
  t.equal((await c.call('mount.list', {})).length, 1, 'failed creates leave no record')
})

t.test('two creates on one target at once: one mounts, the other is a CONFLICT', async (t) => {
  const s = stack(t)
  const d = await startDaemon(t)
  const c = await d.connect()
  t.teardown(() => c.close())
  const link = join(s.mnt, '..', 'link-to-mnt')
  symlinkSync(s.mnt, link)
  const results = await Promise.allSettled([mount(c, s), mount(c, { ...s, mnt: link }), mount(c, s)])
  t.equal(results.filter((r) => r.status === 'fulfilled').length, 1, 'one create wins')
  for (const r of results) if (r.status === 'rejected') t.match(r.reason, { code: 'CONFLICT' })
  t.equal(readMountinfo().filter((e) => e.target === s.mnt).length, 1, 'nothing stacked')
  t.match(await c.call('mount.list', {}), [{ target: s.mnt }], 'the record holds the resolved path')
})

t.test('SIGTERM the daemon: the mount keeps serving and is re-adopted by the next daemon', async (t) => {
  const s = stack(t)
  const first = await startDaemon(t)
  const c = await first.connect()
  const m = await mount(c, s)
  c.close()
  t.equal(await first.stop('SIGTERM'), 0)
  t.equal(readFileSync(join(s.mnt, 'hello'), 'utf8'), 'from the lower layer\n', 'served while no daemon runs')
  writeFileSync(join(s.mnt, 'during'), 'x')
  const second = await startDaemon(t, { root: first.root, socket: first.socket })
  const again = await only(second)
  t.match(again, { id: m.id, pid: m.pid, state: 'serving', restarts: 0 }, 'same worker, adopted')
  t.ok(second.logs.some((l) => l.includes('adopted mount')))
})

t.test('SIGKILL daemon and worker: the stale mount is remounted with its upper intact', async (t) => {
  const s = stack(t)
  const first = await startDaemon(t)
  const c = await first.connect()
  const m = await mount(c, s)
  c.close()
  writeFileSync(join(s.mnt, 'kept'), 'still here')
  await first.stop('SIGKILL')
  process.kill(m.pid as number, 'SIGKILL')
  // pgrep stops matching once the main thread has let go of its memory, but the other threads may
  // still hold /dev/fuse open for a moment: the connection aborts only when the last one exits.
  await within('the worker to die', 5000, () => (workerPids(first.root).length ? undefined : true))
  // A read queued while the connection was being torn down is answered ECONNABORTED; every read
  // after that, ENOTCONN: wait for the settled answer.
  const stale = () => (readError(join(s.mnt, 'hello')) === 'ENOTCONN' ? 'ENOTCONN' : undefined)
  t.equal(await within('the mount to go stale', 5000, stale), 'ENOTCONN')
  const second = await startDaemon(t, { root: first.root, socket: first.socket })
  const again = await only(second)
  t.match(again, { id: m.id, state: 'serving', restarts: 1 })
  t.not(again.pid, m.pid)
  t.equal(readFileSync(join(s.mnt, 'kept'), 'utf8'), 'still here')
  t.equal(readMountinfo().filter((e) => e.target === s.mnt).length, 1, 'one mount, not one stacked on the stale one')
})

t.test('a worker that dies while the daemon runs is replaced', async (t) => {
  const s = stack(t) // before the daemon: teardowns run last-in first-out
  const d = await startDaemon(t)
  const c = await d.connect()
  t.teardown(() => c.close())
  const m = await mount(c, s)
  process.kill(m.pid as number, 'SIGKILL')
  const after = await within('a new worker', 10_000, async () => {
    const [r] = await c.call('mount.list', {})
    return r && r.pid !== m.pid && r.state === 'serving' ? r : undefined
  })
  t.equal(after.restarts, 1)
  t.equal(readFileSync(join(s.mnt, 'hello'), 'utf8'), 'from the lower layer\n')
})

t.test('a mount nobody owns under this root is unmounted at start', async (t) => {
  const s = stack(t) // before the daemon: teardowns run last-in first-out
  const d = await startDaemon(t)
  await d.stop('SIGTERM')
  const id = 'ab'.repeat(32)
  const w = spawn(process.execPath, [WORKER, '-f', '-o', `lowerdir=${s.lower},fsname=strata:${id}@${d.root}`, s.mnt], {
    stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
  })
  await new Promise((resolve) => w.once('message', resolve))
  w.disconnect()
  t.ok(isMounted(s.mnt))
  const second = await startDaemon(t, { root: d.root, socket: d.socket })
  t.notOk(isMounted(s.mnt), 'the orphan was unmounted')
  t.equal(await exitOf(w), 0, 'its worker ended by itself')
  t.ok(second.logs.some((l) => l.includes('unmounting a mount nobody owns')))
})

t.test('remove: IN_USE while busy, forced lazily, then gone with its worker and state', async (t) => {
  const s = stack(t) // before the daemon: teardowns run last-in first-out
  const d = await startDaemon(t)
  const c = await d.connect()
  t.teardown(() => c.close())
  const m = await mount(c, s)
  const busy = spawn('sleep', ['60'], { cwd: s.mnt, stdio: 'ignore' })
  t.teardown(() => void busy.kill('SIGKILL'))
  await new Promise((r) => setTimeout(r, 100))
  await t.rejects(c.call('mount.remove', { mount: m.id.slice(0, 12) }), { code: 'IN_USE', message: /busy/ })
  t.match(await only(d), { state: 'serving' }, 'still serving after the refused unmount')
  t.same(await c.call('mount.remove', { mount: s.mnt, force: true }), { id: m.id })
  t.notOk(isMounted(s.mnt))
  busy.kill('SIGKILL')
  await within('the worker to exit', 10_000, () => (workerPids(d.root).length ? undefined : true))
  t.same(await c.call('mount.list', {}), [])
  t.notOk(existsSync(join(d.root, 'mounts', m.id)), 'its state dir is gone')
  await t.rejects(c.call('mount.remove', { mount: m.id }), { code: 'NOT_FOUND' })
})
