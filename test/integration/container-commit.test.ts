/**
 * Commit of a mounted container under load and under a crash, through a real stratad:
 * - a process keeps rewriting files in the mounted container while it is committed three times:
 *   every committed file is whole (one generation, full size), and the writer goes on afterwards;
 * - SIGKILL of the daemon and the mount worker in the middle of a commit: after a restart no
 *   half-made layer or image exists, the container is intact, and committing again works.
 */
import { spawn } from 'node:child_process'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import type { StrataClient } from '../../client/client.js'
import { startDaemon, type Daemon } from '../helpers/daemon.js'
import { chunks, tar } from '../helpers/tar-builder.js'
import { tmpdir } from '../helpers/tmpdir.js'

const FILE = 256 * 1024
const BASE = tar([{ dir: 'w/' }, { file: 'w/seed', body: 'seed' }])

async function setUp(t: Test, d: Daemon): Promise<{ c: StrataClient; mnt: string }> {
  const c = await d.connect()
  t.teardown(() => c.close())
  await c.call('image.import', { ref: 'base:1' }, { upload: chunks(BASE) })
  await c.call('container.create', { image: 'base:1', name: 'busy' })
  const { path: mnt } = await c.call('container.mount', { container: 'busy' })
  t.teardown(() =>
    c.call('container.unmount', { container: 'busy', force: true }).then(
      () => undefined,
      () => undefined,
    ),
  )
  return { c, mnt }
}

/** Rewrites w/f0..f3 with whole generations (every byte the generation's number) until stopped. */
function startWriter(t: Test, mnt: string, progress: string) {
  const code = `
    const fs = require('fs'); let i = 0
    const timer = setInterval(() => {
      fs.writeFileSync('${mnt}/w/f' + (i % 4), Buffer.alloc(${FILE}, i % 251))
      fs.writeFileSync('${progress}', String(++i))
    }, 1)
    process.on('SIGTERM', () => { clearInterval(timer); process.exit(0) })`
  const p = spawn(process.execPath, ['-e', code], { stdio: 'ignore' })
  t.teardown(() => void p.kill('SIGKILL'))
  return p
}

const generations = (progress: string) => Number(readFileSync(progress, 'utf8') || 0)

t.test('commit while a process keeps writing: whole files, and the writer goes on', async (t) => {
  const scratch = tmpdir(t, 'strata-writer-')
  const d = await startDaemon(t)
  const { c, mnt } = await setUp(t, d)
  const progress = join(scratch, 'progress')
  writeFileSync(progress, '0')
  const writer = startWriter(t, mnt, progress)
  while (generations(progress) < 20) await new Promise((r) => setTimeout(r, 20))
  for (let round = 0; round < 3; round++) {
    const { id } = await c.call('container.commit', { container: 'busy', ref: `snap:${round}` })
    const { path } = await c.call('image.mount', { image: id })
    for (const name of readdirSync(join(path, 'w')).filter((n) => n.startsWith('f'))) {
      const b = readFileSync(join(path, 'w', name))
      t.ok(b.length === FILE && b.every((x) => x === b[0]), `snap:${round} ${name} is one whole generation`)
    }
    await c.call('image.unmount', { image: id })
  }
  const after = generations(progress)
  for (let i = 0; i < 250 && generations(progress) <= after; i++) await new Promise((r) => setTimeout(r, 20))
  t.ok(generations(progress) > after, 'the writer went on after the commits')
  writer.kill('SIGTERM')
  await new Promise((r) => writer.once('exit', r))
})

t.test('SIGKILL of daemon and worker mid-commit: nothing half-made, the container intact', async (t) => {
  const d = await startDaemon(t)
  const { c, mnt } = await setUp(t, d)
  const big = Buffer.alloc(64 * 1024 * 1024)
  for (let i = 0; i < 4; i++) {
    big.fill(i + 1)
    writeFileSync(join(mnt, 'w', `big${i}`), big)
  }
  const layersBefore = readdirSync(join(d.root, 'layers')).sort()
  const imagesBefore = (await c.call('image.list', { all: true })).map((i) => i.id)
  const [worker] = await c.call('mount.list', {})
  const commit = c.call('container.commit', { container: 'busy', ref: 'half:1' }).catch((err: Error) => err)
  while (!readdirSync(join(d.root, 'tmp')).some((n) => n.startsWith('layer-')))
    await new Promise((r) => setTimeout(r, 2))
  process.kill(worker?.pid as number, 'SIGKILL')
  await d.stop('SIGKILL')
  t.ok((await commit) instanceof Error, 'the commit did not complete')

  const d2 = await startDaemon(t, { root: d.root })
  const c2 = await d2.connect()
  t.teardown(() => c2.close())
  t.same(
    (await c2.call('image.list', { all: true })).map((i) => i.id),
    imagesBefore,
    'no new image',
  )
  t.same(readdirSync(join(d.root, 'layers')).sort(), layersBefore, 'no half-made layer')
  t.same(readdirSync(join(d.root, 'tmp')), [], 'staging emptied')
  t.same((await c2.call('system.fsck', {})).problems, [])
  const [busy] = await c2.call('container.list', { all: true })
  t.equal(busy?.name, 'busy')
  t.equal(readFileSync(join(busy?.mountpoint ?? '', 'w', 'big3')).at(-1), 4, 'remounted, the writes intact')
  const { id } = await c2.call('container.commit', { container: 'busy', ref: 'whole:1' })
  const { path } = await c2.call('image.mount', { image: id })
  t.equal(readFileSync(join(path, 'w', 'big2'))[1000], 3, 'committing again works')
  await c2.call('image.unmount', { image: id })
  t.teardown(() =>
    c2.call('container.unmount', { container: 'busy', force: true }).then(
      () => undefined,
      () => undefined,
    ),
  )
})
