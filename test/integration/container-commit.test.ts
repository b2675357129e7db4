/**
 * Commit of a mounted container under load and under a crash, through a real stratad:
 * - a process keeps rewriting files in the mounted container while it is committed three times:
 *   every committed file is whole (one generation, full size), and the writer goes on afterwards;
 * - SIGKILL of the daemon and the mount worker in the middle of a commit: after a restart no
 *   half-made layer or image exists, the container is intact, and committing again works.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import type { StrataClient } from '../../client/client.js'
import { startDaemon, type Daemon } from '../helpers/daemon.js'
import { chunks, tar } from '../helpers/tar-builder.js'

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

/**
 * A process that rewrites w/f0..f3 with whole generations (every byte the generation's number)
 * until stopped, and reports each finished generation as a line on its stdout. A pipe gives
 * whole lines, so the count never reads torn (a progress file rewritten in place reads empty
 * between its truncation and its write); the writer's exit and stderr are seen, not ignored.
 */
class Writer {
  private readonly proc: ChildProcess
  private done = 0
  private stderr = ''
  private exit: string | null = null
  private readonly waiting = new Set<() => void>()

  constructor(t: Test, mnt: string) {
    const code = `
      const fs = require('fs'); let i = 0
      const timer = setInterval(() => {
        fs.writeFileSync('${mnt}/w/f' + (i % 4), Buffer.alloc(${FILE}, i % 251))
        fs.writeSync(1, ++i + '\\n')
      }, 1)
      process.on('SIGTERM', () => { clearInterval(timer); process.exit(0) })`
    this.proc = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'pipe'] })
    t.teardown(() => void this.proc.kill('SIGKILL'))
    let partial = ''
    this.proc.stdout?.on('data', (b: Buffer) => {
      const lines = (partial + b.toString()).split('\n')
      partial = lines.pop() ?? ''
      if (lines.length) this.done = Number(lines.at(-1))
      this.wake()
    })
    this.proc.stderr?.on('data', (b: Buffer) => (this.stderr += b.toString()))
    this.proc.once('exit', (code, signal) => {
      this.exit = `${code ?? signal}`
      this.wake()
    })
  }

  /** Generations finished so far. */
  get generations(): number {
    return this.done
  }

  /**
   * Resolves once `n` generations are finished; rejects when the writer exits first. No deadline:
   * a writer that hangs shows as the test's timeout, with its kernel stack in a comment meanwhile.
   */
  async reached(t: Test, n: number): Promise<void> {
    const report = setTimeout(() => t.comment(`still waiting for generation ${n}: ${this.whereBlocked()}`), 60_000)
    try {
      while (this.done < n) {
        if (this.exit !== null) throw new Error(`the writer exited (${this.exit}) after ${this.done}: ${this.stderr}`)
        await new Promise<void>((resolve) => this.waiting.add(resolve))
      }
    } finally {
      clearTimeout(report)
    }
  }

  async stop(): Promise<string | null> {
    if (this.exit === null) {
      this.proc.kill('SIGTERM')
      await new Promise((r) => this.proc.once('exit', r))
    }
    return this.exit
  }

  private wake(): void {
    for (const resolve of this.waiting) resolve()
    this.waiting.clear()
  }

  private whereBlocked(): string {
    try {
      return readFileSync(`/proc/${this.proc.pid}/stack`, 'utf8')
    } catch (err) {
      return String(err)
    }
  }
}

t.test('commit while a process keeps writing: whole files, and the writer goes on', async (t) => {
  const d = await startDaemon(t)
  const { c, mnt } = await setUp(t, d)
  const writer = new Writer(t, mnt)
  await writer.reached(t, 20)
  for (let round = 0; round < 3; round++) {
    const { id } = await c.call('container.commit', { container: 'busy', ref: `snap:${round}` })
    const { path } = await c.call('image.mount', { image: id })
    for (const name of readdirSync(join(path, 'w')).filter((n) => n.startsWith('f'))) {
      const b = readFileSync(join(path, 'w', name))
      t.ok(b.length === FILE && b.every((x) => x === b[0]), `snap:${round} ${name} is one whole generation`)
    }
    await c.call('image.unmount', { image: id })
  }
  // The generation after the next one opens, writes and closes its file only after this point,
  // that is, after the last resume: the writer goes on, not just finishes what it had begun.
  const after = writer.generations
  await writer.reached(t, after + 2)
  t.ok(writer.generations >= after + 2, 'the writer went on after the commits')
  t.equal(await writer.stop(), '0', 'and stopped cleanly when asked')
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
