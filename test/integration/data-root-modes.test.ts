/**
 * Issue 15 item 3, through a real stratad: the data root's metadata and data are root's alone. On
 * a fresh root db/ is 0700 and its files 0600, layers/, containers/, image-mounts/, mounts/ and
 * tmp/ 0700, the root 0711; files LevelDB makes while the daemon runs (a new log and table after
 * a memtable flush) are 0600 too; a root left 0755/0644 is put right at start, its data intact.
 */
import { chmodSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import type { StrataClient } from '../../client/client.js'
import { startDaemon, type Daemon } from '../helpers/daemon.js'
import { chunks, tar } from '../helpers/tar-builder.js'

const LAYER = tar([{ dir: 'etc/' }, { file: 'etc/hello', body: 'hi\n' }])
const DIRS = ['db', 'layers', 'containers', 'image-mounts', 'mounts', 'tmp']

const modeOf = (path: string): string => (statSync(path).mode & 0o7777).toString(8)

/** Every mode that matters, as octal text: the root, its directories, each file of db/. */
function modes(root: string): Record<string, string> {
  const out: Record<string, string> = { '.': modeOf(root) }
  for (const d of DIRS) out[d] = modeOf(join(root, d))
  for (const f of readdirSync(join(root, 'db'))) out[`db/${f}`] = modeOf(join(root, 'db', f))
  return out
}

function wanted(root: string): Record<string, string> {
  const out: Record<string, string> = { '.': '711' }
  for (const d of DIRS) out[d] = '700'
  for (const f of readdirSync(join(root, 'db'))) out[`db/${f}`] = '600'
  return out
}

async function connect(t: Test, d: Daemon): Promise<StrataClient> {
  const c = await d.connect()
  t.teardown(() => c.close())
  return c
}

t.test('a fresh root: db/ 0700 with 0600 files, the other directories 0700', async (t) => {
  const d = await startDaemon(t)
  const c = await connect(t, d)
  await c.call('image.import', { ref: 'base:1' }, { upload: chunks(LAYER) })
  t.same(modes(d.root), wanted(d.root))
  t.ok(
    readdirSync(join(d.root, 'db')).some((f) => f.endsWith('.log')),
    'LevelDB files are there',
  )
  t.equal(modeOf(d.socket), '660', 'the socket keeps its own mode')
})

t.test('files LevelDB makes while the daemon runs are 0600 too', async (t) => {
  const d = await startDaemon(t)
  const c = await connect(t, d)
  const atStart = new Set(readdirSync(join(d.root, 'db')))
  // Configs of 1 MiB each: six images fill LevelDB's 4 MiB write buffer, so it starts a new log
  // and writes a table file in the background.
  for (let i = 0; i < 6; i++) {
    const changes = [`LABEL n=${i} pad=${'x'.repeat(1 << 20)}`]
    await c.call('image.import', { ref: `big:${i}`, changes }, { upload: chunks(LAYER) })
  }
  const end = Date.now() + 10_000
  let made: string[] = []
  while (Date.now() < end) {
    made = readdirSync(join(d.root, 'db')).filter((f) => !atStart.has(f) && /\.(log|ldb)$/.test(f))
    if (made.some((f) => f.endsWith('.ldb'))) break
    await new Promise((r) => setTimeout(r, 100))
  }
  t.ok(made.length > 0, `new files since start: ${made.join(', ')}`)
  await new Promise((r) => setTimeout(r, 200)) // the watch's event for the newest file
  t.same(modes(d.root), wanted(d.root))
})

t.test('a root left open by an older stratad is put right at start, its data intact', async (t) => {
  const first = await startDaemon(t)
  const c1 = await first.connect()
  const { id } = await c1.call('image.import', { ref: 'base:1' }, { upload: chunks(LAYER) })
  c1.close()
  t.equal(await first.stop(), 0)
  chmodSync(first.root, 0o755)
  for (const dir of DIRS) chmodSync(join(first.root, dir), 0o755)
  for (const f of readdirSync(join(first.root, 'db'))) chmodSync(join(first.root, 'db', f), 0o644)
  t.equal(modeOf(join(first.root, 'db', 'CURRENT')), '644')
  const d = await startDaemon(t, { root: first.root })
  const c = await connect(t, d)
  t.same(modes(d.root), wanted(d.root))
  t.match(await c.call('image.list', {}), [{ id, repoTags: ['base:1'] }])
  t.same((await c.call('system.fsck', {})).problems, [])
})
