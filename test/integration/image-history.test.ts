/**
 * `strata history` through a real stratad: after `commit box new:1` on a container of base:1,
 * the rows that came from base:1 show base:1's ID where base:1 ends and `<missing>` where no local
 * image does; CREATED BY of a commit is `strata commit NAME`; a parent untagged by rmi still shows
 * (an intermediate image). Then rmi prints Docker's order: each image, its layers, then its parent.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { startDaemon, type Daemon } from '../helpers/daemon.js'
import { cliOn, type CliRun } from '../helpers/cli.js'
import { digestOf, imageIdOf, legacyDockerArchive, type TestImage } from '../helpers/image-archive.js'
import { tar } from '../helpers/tar-builder.js'
import { tmpdir } from '../helpers/tmpdir.js'

const strata = (d: Daemon, args: string[]): Promise<CliRun> => cliOn(d, args)

const L1 = tar([{ dir: 'etc/' }, { file: 'etc/os-release', body: 'ID=test\n' }])
const L2 = tar([{ file: 'bin/app', body: 'app' }])
/** Two history rows, both `test` (image-archive.ts). */
const BASE: TestImage = { layers: [L1, L2], tags: ['base:1'], config: { Cmd: ['sh'] } }
const chainOf = (parent: string, diffId: string) => digestOf(`${parent} ${diffId}`)

t.test('history names base:1 on its row after a commit; rmi deletes in Docker order', async (t) => {
  const d = await startDaemon(t)
  const archive = join(tmpdir(t), 'base.tar')
  writeFileSync(archive, legacyDockerArchive([BASE]))
  t.equal((await strata(d, ['load', '-i', archive])).code, 0)
  const base = imageIdOf(BASE)
  t.equal((await strata(d, ['create', '--name', 'box', 'base:1'])).code, 0)
  const mounted = await strata(d, ['mount', 'box'])
  t.equal(mounted.code, 0, mounted.stderr)
  t.teardown(() => strata(d, ['unmount', '-f', 'box']).then(() => undefined))
  writeFileSync(join(mounted.stdout.trim(), 'etc/new'), 'twenty-seven bytes of text\n')
  const committed = await strata(d, ['commit', '-c', 'CMD ["/bin/true"]', 'box', 'new:1'])
  t.equal(committed.code, 0, committed.stderr)
  const id = committed.stdout.trim()

  const table = (await strata(d, ['history', 'new:1'])).stdout.split('\n')
  t.match(table[0], /^IMAGE +CREATED +CREATED BY +SIZE +COMMENT$/)
  t.match(table[1], new RegExp(`^${id.slice(7, 19)} +[^ ].* ago +strata commit box +[0-9.]+k?B$`))
  t.match(table[2], new RegExp(`^${base.slice(7, 19)} +.* ago +test +[0-9.]+k?B$`), "base:1's ID where it ends")
  t.match(table[3], /^<missing> +.* ago +test +[0-9.]+k?B$/, 'no local image ends here')
  t.equal(table.length, 5)
  t.equal(
    (await strata(d, ['history', '--no-trunc', '--format', '{{.ID}}|{{.CreatedBy}}', 'new:1'])).stdout,
    `${id}|strata commit box\n${base}|test\n<missing>|test\n`,
    'CREATED BY of a commit is `strata commit NAME`, the -c CMD given or not',
  )
  t.equal((await strata(d, ['history', '-q', 'new:1'])).stdout, `${id.slice(7, 19)}\n${base.slice(7, 19)}\n<missing>\n`)
  const c = await d.connect()
  t.teardown(() => c.close())
  t.match(await c.call('image.history', { image: 'new:1' }), [
    { id, tags: ['new:1'], createdBy: 'strata commit box' },
    { id: base, tags: ['base:1'] },
    { id: '<missing>', tags: [] },
  ])

  // A commit of a commit: each parent on its own row, also once base:1 is only an intermediate image.
  t.equal((await strata(d, ['create', '--name', 'box2', 'new:1'])).code, 0)
  const newer = (await strata(d, ['commit', 'box2', 'newer:1'])).stdout.trim()
  t.equal((await strata(d, ['rmi', 'base:1'])).stdout, 'Untagged: base:1\n', 'a parent by name is only untagged')
  t.equal(
    (await strata(d, ['history', '--no-trunc', '--format', '{{.ID}}', 'newer:1'])).stdout,
    `${newer}\n${id}\n${base}\n<missing>\n`,
  )

  t.equal((await strata(d, ['unmount', 'box'])).code, 0)
  t.equal((await strata(d, ['rm', 'box', 'box2'])).code, 0)
  t.equal((await strata(d, ['rmi', 'new:1'])).stdout, 'Untagged: new:1\n', 'newer:1 is its child')
  const diffIds = (await c.call('image.inspect', { image: id })).RootFS as { Layers: string[] }
  const chain2 = chainOf(digestOf(L1), digestOf(L2))
  const chain3 = chainOf(chain2, diffIds.Layers[2] as string)
  const rmi = await strata(d, ['rmi', 'newer:1'])
  t.equal(rmi.code, 0, rmi.stderr)
  t.equal(
    rmi.stdout,
    [
      'Untagged: newer:1',
      `Deleted: ${newer}`, // an unchanged container's commit: no layer of its own
      `Deleted: ${id}`,
      `Deleted: ${chain3}`,
      `Deleted: ${base}`,
      `Deleted: ${chain2}`,
      `Deleted: ${digestOf(L1)}`,
      '',
    ].join('\n'),
    'each image, then the layers it released (top first), then its parent',
  )
  t.same(await c.call('image.list', { all: true }), [])
  t.same((await c.call('system.fsck', {})).problems, [])
})
