/**
 * Issue 15, item 1: a daemon killed during a commit must not leave its container paused. Through
 * a real stratad and a real mount:
 * - SIGKILL of the daemon before, while and after it pauses the container for a commit (and while
 *   the pause waits for a file open for writing): after a restart, a process in the container
 *   opens and creates files, the same worker still serves, and the store is sound;
 * - a pause held by a live process that is not the new daemon is ended when the daemon adopts
 *   the worker; one whose holder stops renewing it ends by itself;
 * - while paused, `ps` says so, and `unmount -f` unmounts and frees the blocked process; during
 *   a commit it ends the pause at once and the commit fails, recording nothing;
 * - a commit whose pause ran out while its daemon was stopped fails and records nothing.
 * Deadlines are generous (a held request never completes by itself before the fix).
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process'
import { existsSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import t, { type Test } from 'tap'
import type { StrataClient } from '../../client/client.js'
import { pauseFile, pauseRequestFile } from '../../daemon/fuse/pause.js'
import { readMountinfo } from '../../daemon/mounts/mountinfo.js'
import { startTimeOf } from '../../daemon/process-start.js'
import { startDaemon, STRATA_CLI, type Daemon } from '../helpers/daemon.js'
import { chunks, tar } from '../helpers/tar-builder.js'

const PAUSE_WORKER = fileURLToPath(new URL('../../daemon/mounts/pause-worker.js', import.meta.url))
const BASE = tar([{ dir: 'w/' }, { file: 'w/seed', body: 'seed' }])
/** How long a process in the container may take to get through once nothing holds it. */
const DEADLINE_MS = 30_000

interface Box {
  d: Daemon
  c: StrataClient
  id: string
  mnt: string
  work: string
  worker: number
}

async function connect(t: Test, d: Daemon): Promise<StrataClient> {
  const c = await d.connect()
  t.teardown(() => c.close())
  return c
}

/** A daemon with one mounted container `box`; with `fill`, its upper so full that a commit takes a while. */
async function setUp(t: Test, fill = false): Promise<Box> {
  const d = await startDaemon(t)
  const c = await connect(t, d)
  await c.call('image.import', { ref: 'base:1' }, { upload: chunks(BASE) })
  const { id } = await c.call('container.create', { image: 'base:1', name: 'box' })
  const { path: mnt } = await c.call('container.mount', { container: 'box' })
  writeFileSync(join(mnt, 'w', 'big'), Buffer.alloc((fill ? 32 : 1) * 1024 * 1024, 7))
  for (let i = 0; i < (fill ? 800 : 0); i++) writeFileSync(join(mnt, 'w', `small-${i}`), `file ${i}\n`)
  const [m] = await c.call('mount.list', {})
  return { d, c, id, mnt, work: join(d.root, 'containers', id, 'work'), worker: m?.pid as number }
}

/** Resolves true once `p` has exited with status 0, false if it failed, or after `ms` undefined. */
function exitWithin(p: ChildProcess, ms: number): Promise<boolean | undefined> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve(p.exitCode === 0)
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), ms)
    p.once('exit', (code) => {
      clearTimeout(timer)
      resolve(code === 0)
    })
  })
}

/** A process in the container that opens a file and creates one: held while the container is paused. */
function probe(t: Test, mnt: string, name: string): ChildProcess {
  const p = spawn('sh', ['-c', 'cat "$0/w/seed" > /dev/null && echo ok > "$0/w/$1"', mnt, name], { stdio: 'ignore' })
  t.teardown(() => void p.kill('SIGKILL')) // one stuck in the mount is freed when teardown ends its worker
  return p
}

async function opensFiles(t: Test, mnt: string, name: string, what: string): Promise<void> {
  t.equal(await exitWithin(probe(t, mnt, name), DEADLINE_MS), true, what)
}

/** A process that keeps `file` open for writing (a pause waits up to 5 s for it to close). */
function holdOpen(t: Test, file: string): ChildProcess {
  const p = spawn('sh', ['-c', 'exec 3>>"$0"; exec sleep 600', file], { stdio: 'ignore' })
  t.teardown(() => void p.kill('SIGKILL'))
  return p
}

/**
 * Another process that pauses the worker through the daemon's own code and renews the pause until
 * told 'resume' (or stopped, or killed). Resolves once the worker acknowledged the pause.
 */
async function pauser(t: Test, b: Box): Promise<ChildProcess> {
  const w = { pid: b.worker, pidStart: startTimeOf(b.worker) }
  const code = `
    const { pauseWorker } = await import(${JSON.stringify(PAUSE_WORKER)})
    const p = await pauseWorker(${JSON.stringify(w)}, ${JSON.stringify(b.work)})
    process.on('message', async () => { await p.resume(); process.exit(0) })
    process.send('paused')`
  const p = spawn(process.execPath, ['--input-type=module', '-e', code], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  })
  t.teardown(() => void p.kill('SIGKILL'))
  await new Promise((resolve, reject) => {
    p.once('message', resolve)
    p.once('exit', (code) => reject(new Error(`the pauser exited with ${code}`)))
  })
  return p
}

async function until(what: string, done: () => boolean): Promise<void> {
  for (const end = Date.now() + DEADLINE_MS; !done(); await new Promise((r) => setTimeout(r, 1)))
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
}

const paused = async (c: StrataClient) => (await c.call('container.list', {}))[0]?.paused === true

t.test('SIGKILL of the daemon at each point of a commit: the container opens files after a restart', async (t) => {
  let b = await setUp(t, true)
  const imagesBefore = (await b.c.call('image.list', { all: true })).length
  const points: Array<{ name: string; setUp?: () => ChildProcess; reached: () => boolean }> = [
    { name: 'before the pause', reached: () => true },
    {
      name: 'while the pause waits for a writer',
      setUp: () => holdOpen(t, join(b.mnt, 'w', 'held')),
      reached: () => existsSync(pauseRequestFile(b.work)),
    },
    { name: 'while paused', reached: () => existsSync(pauseFile(b.work)) },
    { name: 'after the pause', reached: () => false }, // see below: once the ack came and went
  ]
  let kills = 0
  for (const [i, point] of points.entries()) {
    const writer = point.setUp?.()
    if (writer) await new Promise((r) => setTimeout(r, 200)) // its open went through
    let acked = false
    const reached =
      point.name === 'after the pause'
        ? () => (acked ||= existsSync(pauseFile(b.work))) && !existsSync(pauseFile(b.work))
        : point.reached
    const commit = b.c.call('container.commit', { container: 'box', ref: `snap:${i}` }).catch((err: Error) => err)
    await until(point.name, reached)
    const heldWhenKilled = existsSync(pauseFile(b.work)) || existsSync(pauseRequestFile(b.work))
    await b.d.stop('SIGKILL')
    kills++
    t.comment(`${point.name}: killed with the pause ${heldWhenKilled ? 'asked for or held' : 'not asked for'}`)
    await commit

    const d = await startDaemon(t, { root: b.d.root, socket: b.d.socket })
    b = { ...b, d, c: await connect(t, d) }
    await opensFiles(t, b.mnt, `probe-${i}`, `${point.name}: a process in the container opens and creates files`)
    const [m] = await b.c.call('mount.list', {})
    t.equal(m?.pid, b.worker, `${point.name}: the same worker serves, adopted`)
    t.notOk(await paused(b.c), `${point.name}: ps does not say paused`)
    t.notOk(existsSync(pauseFile(b.work)), `${point.name}: no ack left`)
    writer?.kill('SIGKILL')
  }
  t.equal(kills, points.length)
  const { id } = await b.c.call('container.commit', { container: 'box', ref: 'whole:1' })
  t.ok(id, 'a commit after the kills works')
  t.ok((await b.c.call('image.list', { all: true })).length > imagesBefore)
  t.same((await b.c.call('system.fsck', {})).problems, [], 'fsck finds nothing')
  t.same(readdirSync(join(b.d.root, 'tmp')), [], 'no staging left')
  await b.c.call('container.unmount', { container: 'box', force: true })
})

t.test('the daemon resumes, on adoption, a worker paused by a live process that is not it', async (t) => {
  const b = await setUp(t)
  await b.d.stop('SIGKILL')
  const holder = await pauser(t, b)
  const held = probe(t, b.mnt, 'held')
  t.equal(await exitWithin(held, 300), undefined, 'a process in the container is held')
  const d = await startDaemon(t, { root: b.d.root, socket: b.d.socket })
  t.equal(await exitWithin(held, DEADLINE_MS), true, 'the held process got through once the daemon started')
  t.ok(
    d.logs.some((l) => l.includes('resumed a mount left paused')),
    'the daemon says it resumed it',
  )
  t.equal(holder.exitCode, null, 'while its pauser was still there, renewing')
  const c = await connect(t, d)
  await c.call('container.unmount', { container: 'box', force: true })
})

t.test('while paused: ps says so; a pauser that stops renewing loses the pause', async (t) => {
  const b = await setUp(t)
  const holder = await pauser(t, b)
  t.ok(await paused(b.c), 'container.list marks it paused')
  const cli = await promisify(execFile)(process.execPath, [STRATA_CLI, '-H', b.d.socket, 'ps'])
  t.match(cli.stdout, /Mounted \(Paused\)/, 'strata ps says Paused')
  const overlay = await promisify(execFile)(process.execPath, [STRATA_CLI, '-H', b.d.socket, 'overlay', 'ls'])
  t.match(overlay.stdout, /serving \(paused\)/, 'strata overlay ls says paused')
  const held = probe(t, b.mnt, 'held')
  holder.kill('SIGSTOP') // alive, but silent
  t.equal(await exitWithin(held, DEADLINE_MS), true, 'the held process got through without its pauser')
  t.notOk(await paused(b.c), 'ps no longer says paused')
  t.equal(holder.signalCode, null, 'the pauser is still there (stopped)')
  await b.c.call('container.unmount', { container: 'box', force: true })
})

t.test('unmount -f of a paused container unmounts it and frees what was held', async (t) => {
  const b = await setUp(t)
  await pauser(t, b)
  const held = probe(t, b.mnt, 'held')
  t.equal(await exitWithin(held, 300), undefined, 'a process in the container is held')
  t.same(await b.c.call('container.unmount', { container: 'box', force: true }), { mounted: false })
  t.notOk(
    readMountinfo().some((m) => m.target === b.mnt),
    'unmounted',
  )
  t.not(await exitWithin(held, DEADLINE_MS), undefined, 'the held process was let go')
  t.same(await b.c.call('container.list', {}), [], 'ps lists nothing mounted')
})

t.test('unmount -f during a commit ends its pause at once; the commit fails and records nothing', async (t) => {
  const b = await setUp(t, true)
  const imagesBefore = await b.c.call('image.list', { all: true })
  const writer = holdOpen(t, join(b.mnt, 'w', 'held')) // the pause waits up to 5 s for it to close
  await new Promise((r) => setTimeout(r, 200))
  const commit = b.c.call('container.commit', { container: 'box', ref: 'cut:1' }).catch((err: Error) => err)
  await until('the pause to be asked for', () => existsSync(pauseRequestFile(b.work)))
  t.same(await b.c.call('container.unmount', { container: 'box', force: true }), { mounted: false })
  writer.kill('SIGKILL')
  t.match(await commit, { code: 'UNAVAILABLE', message: /unmounted by force/ }, 'the commit failed')
  t.notOk(
    readMountinfo().some((m) => m.target === b.mnt),
    'unmounted',
  )
  t.same(await b.c.call('image.list', { all: true }), imagesBefore, 'no image')
  const { path } = await b.c.call('container.mount', { container: 'box' })
  await opensFiles(t, path, 'after', 'mounted again, it opens and creates files')
  t.same((await b.c.call('system.fsck', {})).problems, [])
  await b.c.call('container.unmount', { container: 'box', force: true })
})

t.test('a commit whose pause ran out while the daemon was stopped fails and records nothing', async (t) => {
  const b = await setUp(t, true)
  const imagesBefore = await b.c.call('image.list', { all: true })
  const commit = b.c.call('container.commit', { container: 'box', ref: 'late:1' }).catch((err: Error) => err)
  const copying = () => readdirSync(join(b.d.root, 'tmp')).some((n) => n.startsWith('layer-'))
  await until('the copy under the pause', () => copying() && existsSync(pauseFile(b.work)))
  b.d.proc.kill('SIGSTOP')
  t.teardown(() => void b.d.proc.kill('SIGCONT'))
  await opensFiles(t, b.mnt, 'while-stopped', 'the container let go while its daemon was stopped')
  b.d.proc.kill('SIGCONT')
  const err = await commit
  t.match(err, { code: 'UNAVAILABLE', message: /resumed before/ }, 'the commit failed')
  t.same(await b.c.call('image.list', { all: true }), imagesBefore, 'no image')
  await until('the staging to go', () => readdirSync(join(b.d.root, 'tmp')).length === 0)
  t.same((await b.c.call('system.fsck', {})).problems, [])
  await b.c.call('container.unmount', { container: 'box', force: true })
})
