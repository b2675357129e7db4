/**
 * Issue 15, item 5: mount targets are checked, and a mount that fails leaves everything as it
 * was. Through a real stratad:
 * - container, image and overlay mounts at the data root, inside it or above it, at the daemon's
 *   socket directory, over a directory the mount serves from, at / and at system directories
 *   (also reached through a symlink) are INVALID_ARGUMENT, answered at once, and make nothing:
 *   no directory, no record, no kernel mount; the container can then be removed;
 * - a worker that dies after mounting and before it reports leaves no dead FUSE mount, no
 *   record and no target directory behind, and `rm -f` of the container works afterwards;
 * - `rm` of a container whose directory cannot be removed (a mount inside) succeeds: the record
 *   goes, the leftover is logged for fsck --repair, and no INTERNAL error is answered.
 */
import { execFile } from 'node:child_process'
import { closeSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import t, { type Test } from 'tap'
import type { StrataClient } from '../../client/client.js'
import { mountFuse } from '../../daemon/fuse/mount.js'
import { readMountinfo } from '../../daemon/mounts/mountinfo.js'
import { constants, mount as mountFs, umount2 } from '../../native-bindings/index.js'
import { startDaemon, STRATA_CLI, type Daemon } from '../helpers/daemon.js'
import { chunks, tar } from '../helpers/tar-builder.js'
import { tmpdir } from '../helpers/tmpdir.js'

const BASE = tar([{ dir: 'w/' }, { file: 'w/seed', body: 'seed' }])

interface Box {
  d: Daemon
  c: StrataClient
  id: string
  imageId: string
}

async function setUp(t: Test): Promise<Box> {
  const d = await startDaemon(t)
  const c = await d.connect()
  t.teardown(() => c.close())
  const { id: imageId } = await c.call('image.import', { ref: 'base:1' }, { upload: chunks(BASE) })
  const { id } = await c.call('container.create', { image: 'base:1', name: 'box' })
  return { d, c, id, imageId }
}

/** What a failed mount must leave as it was: records, mounts and the directories named. */
async function state(b: Box, dirs: string[]) {
  return {
    mounts: await b.c.call('mount.list', {}),
    containers: (await b.c.call('container.list', { all: true })).map((c) => c.mountpoint),
    kernel: readMountinfo().filter((m) => m.source.endsWith(`@${b.d.root}`)),
    dirs: dirs.map((d) => [d, existsSync(d)]),
  }
}

t.test('targets in, at or above the data root, the socket, served dirs and the system are refused', async (t) => {
  const scratch = tmpdir(t, 'strata-targets-')
  const b = await setUp(t)
  const containerDir = join(b.d.root, 'containers', b.id)
  symlinkSync(b.d.root, join(scratch, 'to-root'))
  symlinkSync('/etc', join(scratch, 'to-etc'))
  const refused = [
    b.d.root,
    join(containerDir, 'upper'),
    join(containerDir, 'upper', 'new-dir'),
    join(b.d.root, 'layers'),
    dirname(b.d.root),
    dirname(b.d.socket),
    join(scratch, 'to-root'),
    join(scratch, 'to-root', 'containers', 'x'),
    join(scratch, 'to-etc', 'strata-mount'),
    '/',
    '/proc',
    '/etc/strata-mount',
    '/usr/local/strata-mount',
    '/bin/strata-mount',
    '/var',
    '/var/lib',
    '/run',
    '/tmp',
  ]
  const watched = [join(containerDir, 'upper', 'new-dir'), '/etc/strata-mount', '/usr/local/strata-mount']
  const before = await state(b, watched)
  for (const target of refused) {
    const started = Date.now()
    await t.rejects(b.c.call('container.mount', { container: 'box', target }), { code: 'INVALID_ARGUMENT' }, target)
    t.ok(Date.now() - started < 10_000, `${target}: answered at once`)
  }
  await t.rejects(b.c.call('image.mount', { image: 'base:1', target: b.d.root }), { code: 'INVALID_ARGUMENT' })
  await t.rejects(b.c.call('image.mount', { image: 'base:1', target: '/usr' }), { code: 'INVALID_ARGUMENT' })
  t.same(await state(b, watched), before, 'nothing made, recorded or mounted')

  const cli = await promisify(execFile)(process.execPath, [STRATA_CLI, '-H', b.d.socket, 'mount', 'box', b.d.root], {
    timeout: 30_000,
  }).catch((err: { code: number; stderr: string }) => err)
  t.match(cli, { code: 1, stderr: /Error response from daemon: .*is the data root/ }, 'the CLI says why and exits 1')

  const s = { lower: join(scratch, 'lower'), upper: join(scratch, 'c', 'upper'), work: join(scratch, 'c', 'work') }
  for (const d of Object.values(s)) mkdirSync(d, { recursive: true })
  mkdirSync(join(s.lower, 'sub'))
  const spec = { lowerdirs: [s.lower], upperdir: s.upper, workdir: s.work, readonly: false }
  for (const target of [s.upper, join(s.lower, 'sub'), join(scratch, 'c'), scratch, b.d.root])
    await t.rejects(
      b.c.call('mount.create', { target, spec }),
      { code: 'INVALID_ARGUMENT' },
      `overlay mount at ${target}`,
    )
  t.same(await state(b, watched), before, 'still nothing')

  const mine = join(scratch, 'mine', 'rootfs')
  const { path } = await b.c.call('container.mount', { container: 'box', target: mine })
  t.equal(path, mine, 'a directory of its own is fine (made when missing)')
  t.equal(readFileSync(join(mine, 'w', 'seed'), 'utf8'), 'seed')
  await b.c.call('container.unmount', { container: 'box' })
  await b.c.call('container.remove', { container: 'box', force: false })
  t.same(await b.c.call('container.list', { all: true }), [])
})

/** The pid of the worker whose command line names `target`, once it runs. */
async function workerFor(target: string): Promise<{ pid: number; fsname: string }> {
  for (const end = Date.now() + 30_000; Date.now() < end; await new Promise((r) => setImmediate(r))) {
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue
      let argv: string[]
      try {
        argv = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0')
      } catch {
        continue // gone meanwhile
      }
      const fsname = /fsname=(strata:[0-9a-f]{64}@[^,]*)/.exec(argv.find((a) => a.includes('fsname=')) ?? '')?.[1]
      if (argv.at(-2) === target && fsname) return { pid: Number(name), fsname }
    }
  }
  throw new Error(`no worker for ${target}`)
}

t.test('a worker that dies after mounting, before it reports, leaves nothing behind', async (t) => {
  const scratch = tmpdir(t, 'strata-targets-')
  const b = await setUp(t)
  const target = join(scratch, 'made', 'rootfs')
  const mount = b.c.call('container.mount', { container: 'box', target }).catch((err: Error) => err)
  const w = await workerFor(target)
  process.kill(w.pid, 'SIGSTOP') // before it mounts: node takes far longer to start than this
  // What a worker that mounted and then died leaves: a FUSE mount under its name that nobody serves.
  const fd = mountFuse(target, { readonly: true, fsname: w.fsname })
  t.teardown(() => {
    if (readMountinfo().some((m) => m.target === target)) umount2(target, constants.MNT_DETACH)
    closeSync(fd)
  })
  process.kill(w.pid, 'SIGKILL')
  t.match(await mount, { code: 'INTERNAL', message: /exited during startup/ }, 'the mount failed')
  t.notOk(
    readMountinfo().some((m) => m.target === target),
    'no dead FUSE mount left at the target',
  )
  t.notOk(existsSync(join(scratch, 'made')), 'the directories made for it are gone')
  t.same(await b.c.call('mount.list', {}), [], 'no mount record')
  t.same(readdirSync(join(b.d.root, 'mounts')), [], 'no mount state')
  t.match(await b.c.call('container.list', { all: true }), [{ name: 'box', mountpoint: null }])
  t.same(await b.c.call('container.remove', { container: 'box', force: true }), { id: b.id }, 'rm -f works')
  t.same((await b.c.call('system.fsck', {})).problems, [])
})

t.test('rm of a container whose directory cannot go: the record goes, the leftover is logged', async (t) => {
  const b = await setUp(t)
  const stuck = join(b.d.root, 'containers', b.id, 'stuck')
  mkdirSync(stuck)
  mountFs('none', stuck, 'tmpfs', 0, '')
  t.teardown(() => umount2(stuck, constants.MNT_DETACH))
  t.same(await b.c.call('container.remove', { container: 'box', force: true }), { id: b.id })
  t.same(await b.c.call('container.list', { all: true }), [], 'the record is gone')
  t.ok(
    b.d.logs.some((l) => l.includes('cannot remove the directory of a removed container')),
    'the leftover is logged',
  )
})
