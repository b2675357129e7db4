/**
 * diff and export of a mounted container right after a copy-up through its mount, with a disk as
 * slow as it gets (the worker's STRATA_TEST_SYNC_DELAY_MS: each batch of copies handed out early
 * is synced, and only then installed in upper/, 1.5 s late): both see the change, because the
 * daemon lets the worker finish its installs before it reads upper/ (containers/settle-upper.ts).
 */
import t from 'tap'
import { execFileSync } from 'node:child_process'
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startDaemon } from '../helpers/daemon.js'
import { downloaded } from '../helpers/download.js'
import { chunks } from '../helpers/tar-builder.js'
import { tmpdir } from '../helpers/tmpdir.js'

t.test('diff and export right after a copy-up see it, however slow the disk', async (t) => {
  const src = tmpdir(t, 'strata-settle-src-')
  mkdirSync(join(src, 'd'))
  for (const f of ['f', 'g']) writeFileSync(join(src, 'd', f), `lower ${f}\n`)
  const layer = execFileSync('tar', ['-C', src, '-cf', '-', 'd'])
  const d = await startDaemon(t, { env: { STRATA_TEST_SYNC_DELAY_MS: '1500' } })
  const c = await d.connect()
  t.teardown(() => c.close())
  await c.call('image.import', { ref: 'settle:1' }, { upload: chunks(layer, 65536) })
  const { id } = await c.call('container.create', { image: 'settle:1', name: 's1' })
  const { path: mnt } = await c.call('container.mount', { container: 's1' })
  t.teardown(() => c.call('container.unmount', { container: 's1', force: true }).catch(() => undefined))
  const upper = join(d.root, 'containers', id, 'upper')

  appendFileSync(join(mnt, 'd/f'), 'more\n')
  t.notOk(existsSync(join(upper, 'd/f')), 'handed out, not yet in upper/')
  const diff = await c.call('container.diff', { container: 's1' })
  t.same(
    diff.map((x) => `${x.kind} ${x.path}`),
    ['C /d', 'C /d/f'],
  )
  t.equal(readFileSync(join(upper, 'd/f'), 'utf8'), 'lower f\nmore\n', 'in upper/ once diff answered')

  appendFileSync(join(mnt, 'd/g'), 'more\n')
  const exported = await downloaded((sink) => c.call('container.export', { container: 's1' }, { download: sink }))
  const g = execFileSync('tar', ['-xOf', '-', 'd/g'], { input: exported, encoding: 'utf8' })
  t.equal(g, 'lower g\nmore\n', 'the export has what was appended')
})
