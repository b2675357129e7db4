/**
 * Sizes as Docker shows them, through the CLI and a real stratad: `images`, `history`, `inspect`
 * and `system df -v` show the content of the layers (Docker's DiffSize: file bytes, not tar
 * bytes), the same for the same image; `system df`'s summary keeps bytes on disk; a 27-byte
 * commit is 27B; layer records of an older store get their content size at start.
 */
import { execFile } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t, { type Test } from 'tap'
import type { LayerRecord } from '../../daemon/store/layer-records.js'
import { Db } from '../../daemon/store/db.js'
import { PREFIX } from '../../daemon/store/keys.js'
import { startDaemon, type Daemon } from '../helpers/daemon.js'
import { cliOn, type CliRun } from '../helpers/cli.js'
import { tmpdir } from '../helpers/tmpdir.js'

const strata = (d: Daemon, ...args: string[]): Promise<CliRun> => cliOn(d, args)

/** A root filesystem tarball made by GNU tar: a directory, a 1,000-byte file, a hard link to it, a symlink. */
async function rootTarball(t: Test): Promise<string> {
  const dir = tmpdir(t)
  mkdirSync(join(dir, 'root/etc'), { recursive: true })
  writeFileSync(join(dir, 'root/etc/data'), Buffer.alloc(1000, 7))
  await promisify(execFile)('ln', [join(dir, 'root/etc/data'), join(dir, 'root/etc/data.link')])
  await promisify(execFile)('ln', ['-s', 'data', join(dir, 'root/etc/alias')])
  const tarball = join(dir, 'root.tar')
  await promisify(execFile)('tar', ['-C', join(dir, 'root'), '-cf', tarball, '.'])
  return tarball
}

/** 1,000 file bytes, the hard link not again, 4 for the symlink's target `data`. */
const BASE = 1004

t.test('images, history, inspect and df -v agree on content size; df keeps bytes on disk', async (t) => {
  const d = await startDaemon(t)
  t.equal((await strata(d, 'import', await rootTarball(t), 'sz:1')).code, 0)
  t.equal((await strata(d, 'images', '--format', '{{.Repository}}:{{.Tag}} {{.Size}}')).stdout, 'sz:1 1kB\n')
  t.equal((await strata(d, 'inspect', '--format', '{{.Size}}', 'sz:1')).stdout, `${BASE}\n`)
  t.equal((await strata(d, 'history', '--human=false', '--format', '{{.Size}}', 'sz:1')).stdout, `${BASE}\n`)

  const box = await strata(d, 'create', '--name', 'box', 'sz:1')
  t.equal(box.code, 0, box.stderr)
  const mnt = (await strata(d, 'mount', 'box')).stdout.trim()
  t.teardown(() => strata(d, 'unmount', '-f', 'box').then(() => undefined))
  writeFileSync(join(mnt, 'note'), 'twenty-seven bytes of text\n')
  t.equal((await strata(d, 'commit', 'box', 'sz:2')).code, 0)
  t.equal((await strata(d, 'unmount', 'box')).code, 0)
  t.equal(
    (await strata(d, 'history', '--format', '{{.Size}}', 'sz:2')).stdout,
    '27B\n1kB\n',
    'the commit row shows the 27 bytes it added, not its tar',
  )
  const images = (await strata(d, 'images', 'sz')).stdout.split('\n')
  t.match(images[1], /^sz +2 +[0-9a-f]{12} +.* ago +1\.03kB$/)
  t.match(images[2], /^sz +1 +[0-9a-f]{12} +.* ago +1kB$/)
  t.equal((await strata(d, 'inspect', '--format', '{{.Size}}', 'sz:2')).stdout, `${BASE + 27}\n`)

  const df = (await strata(d, 'system', 'df', '-v')).stdout
  t.match(
    df,
    /\nsz +2 +[0-9a-f]{12} +.* ago +1\.03kB +1kB +27B +0\n/,
    "df -v's image rows are what images shows: SIZE, SHARED SIZE, UNIQUE SIZE",
  )
  t.match(df, /\nsz +1 +[0-9a-f]{12} +.* ago +1kB +1kB +0B +1\n/)
  const summary = (await strata(d, 'system', 'df', '--format', '{{.Type}} {{.Size}}')).stdout
  t.match(summary, /^Images [0-9.]+kB\n/, 'the summary counts bytes on disk (blocks), not 1.03kB')
  t.notMatch(summary, /^Images 1\.03kB\n/)
})

t.test('an older store: layer records without a content size get it at start', async (t) => {
  const d = await startDaemon(t)
  t.equal((await strata(d, 'import', await rootTarball(t), 'old:1')).code, 0)
  await d.stop('SIGTERM')
  const db = await Db.open(d.root)
  const layers = await db.list<LayerRecord>(PREFIX.layer)
  t.equal(layers.length, 1)
  t.equal(layers[0]?.contentBytes, BASE)
  const { contentBytes: _, ...older } = layers[0] as LayerRecord
  await db.batch([{ type: 'put', key: `${PREFIX.layer}${older.chainId}`, value: older }])
  await db.close()
  const again = await startDaemon(t, { root: d.root, socket: d.socket })
  t.equal((await strata(again, 'inspect', '--format', '{{.Size}}', 'old:1')).stdout, `${BASE}\n`)
  const reopened = await strata(again, 'images', '--format', '{{.Size}}')
  t.equal(reopened.stdout, '1kB\n')
})
