/**
 * `strata build` pulls a base image that is not here, as Docker's classic builder does: FROM and
 * COPY --from name images only in a real registry (Debian's docker-registry on loopback); the pull's
 * lines come between `Step 1/N : FROM …` and ` ---> id`; a rebuild finds the image here and pulls
 * nothing; an image the registry does not have fails the build with its name, leaving no image.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { startRegistry } from '../helpers/registry.js'
import { importBusybox, strata, runDaemon } from '../helpers/run-fixtures.js'
import { tmpdir } from '../helpers/tmpdir.js'

const { d, client } = await runDaemon(t, { busybox: false })
const reg = await startRegistry(t)
const base = `${reg.host}/base/bb:1`
await importBusybox(t, client)
await client.call('image.tag', { source: 'bb:run', target: base })
await client.call('image.push', { ref: base })
await client.call('image.remove', { image: base })
await client.call('image.remove', { image: 'bb:run' })
const cli = (...args: string[]) => strata(d.socket, args)

function context(dockerfile: string): string {
  const dir = join(tmpdir(t, 'strata-build-pull-'), 'ctx')
  mkdirSync(dir)
  writeFileSync(join(dir, 'Dockerfile'), dockerfile)
  return dir
}

t.test('FROM an image only the registry has: pulled, then built on', async (t) => {
  const ctx = context(`FROM ${base}\nRUN echo pulled > /x\n`)
  const first = await cli('build', '-t', 'built:1', ctx)
  t.equal(first.code, 0, first.stderr)
  t.match(
    first.stdout,
    new RegExp(
      `\\nStep 1/2 : FROM ${base}\\n1: Pulling from base/bb\\n(.*\\n)*Digest: sha256:[0-9a-f]{64}\\n` +
        `Status: Downloaded newer image for ${base}\\n ---> [0-9a-f]{12}\\nStep 2/2 : RUN echo pulled > /x\\n`,
    ),
  )
  t.match(first.stdout, /: Pull complete\n/, "each layer's final state")
  t.notMatch(first.stdout, /Downloading/, 'no byte counts')
  const run = await cli('run', '--rm', 'built:1', 'cat', '/x')
  t.equal(run.stdout, 'pulled\n', run.stderr)
  const again = await cli('build', '-t', 'built:1', ctx)
  t.equal(again.code, 0, again.stderr)
  t.notMatch(again.stdout, /Pulling from/, 'the second build finds the base here')
  t.match(again.stdout, / ---> Using cache\n/)
})

t.test('COPY --from an image only the registry has: pulled too', async (t) => {
  const other = `${reg.host}/base/bb:2`
  await client.call('image.tag', { source: base, target: other })
  await client.call('image.push', { ref: other })
  await client.call('image.remove', { image: other })
  const built = await cli('build', '-q', context(`FROM scratch\nCOPY --from=${other} /etc/group /group\n`))
  t.equal(built.code, 0, built.stderr)
  const history = await client.call('image.history', { image: built.stdout.trim() })
  t.match(history[0]?.createdBy, /COPY .*\/group/)
})

t.test('a base image the registry does not have: the build fails with its name, no image left', async (t) => {
  const before = (await client.call('image.list', { all: true })).length
  const missing = `${reg.host}/base/missing:1`
  const r = await cli('build', '-t', 'never:1', context(`FROM ${missing}\nRUN true\n`))
  t.not(r.code, 0)
  t.match(r.stderr, /missing/)
  t.equal((await client.call('image.list', { all: true })).length, before, 'no image was added')
})
