/**
 * ONBUILD through a real stratad, runc and the CLI, on the busybox image of
 * test/helpers/run-fixtures.ts: the triggers recorded in the parent's config (and shown by
 * `strata inspect`); a child build running them right after FROM, in order, as Docker prints them;
 * the child's config without them and a grandchild running none; a rebuild from the cache and a
 * changed source of a trigger's COPY rebuilding from that trigger on; triggers of an earlier stage;
 * ONBUILD ONBUILD, FROM and MAINTAINER refused; a failing trigger leaving no container.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { runDaemon } from '../helpers/run-fixtures.js'
import { chunks, tar } from '../helpers/tar-builder.js'
import { tmpdir } from '../helpers/tmpdir.js'

const { client, cli } = await runDaemon(t)
const configOf = async (ref: string) =>
  (await client.call('image.inspect', { image: ref })).Config as { OnBuild?: string[] | null }

function context(dockerfile: string, files: Record<string, string> = {}): string {
  const dir = tmpdir(t, 'strata-build-onbuild-')
  writeFileSync(join(dir, 'Dockerfile'), dockerfile)
  for (const [name, body] of Object.entries(files)) writeFileSync(join(dir, name), body)
  return dir
}

const TRIGGERS = ['RUN echo ran > /ran-by-trigger', 'COPY trigger.txt /from-trigger/']
const parentCtx = context(`FROM bb:run\nONBUILD ${TRIGGERS[0]}\nonbuild ${TRIGGERS[1]}\nCMD ["true"]\n`)
const childCtx = context('FROM parent:1\nRUN cat /ran-by-trigger /from-trigger/trigger.txt > /both\n', {
  'trigger.txt': 'one\n',
})
/** The lines between the child's FROM and its next step. */
const triggerPart = (out: string) => /Step 1\/2 : FROM parent:1\n([\s\S]*?)Step 2\/2 : /.exec(out)?.[1] ?? ''

t.test('ONBUILD records its triggers in the config; inspect shows them', async (t) => {
  const r = await cli('build', '-t', 'parent:1', parentCtx)
  t.equal(r.code, 0, r.stderr)
  t.same((await configOf('parent:1')).OnBuild, TRIGGERS)
  const shown = await cli('inspect', 'parent:1')
  t.equal(shown.code, 0, shown.stderr)
  t.match(
    shown.stdout,
    /"OnBuild": \[\n\s+"RUN echo ran > \/ran-by-trigger",\n\s+"COPY trigger.txt \/from-trigger\/"\n/,
  )
})

t.test('a child build runs the triggers after FROM, in order, and does not pass them on', async (t) => {
  const r = await cli('build', '-t', 'child:1', childCtx)
  t.equal(r.code, 0, r.stderr)
  const part = triggerPart(r.stdout)
  t.match(
    part,
    /^# Executing 2 build triggers\n ---> Running in [0-9a-f]{12}\nRemoving intermediate container [0-9a-f]{12}\n ---> [0-9a-f]{12}\n$/,
  )
  t.match(await cli('run', '--rm', 'child:1', 'cat', '/both'), { code: 0, stdout: 'ran\none\n' })
  t.notOk((await configOf('child:1')).OnBuild?.length, 'the child has no triggers')
  const history = await client.call('image.history', { image: 'child:1' })
  t.match(history[1]?.createdBy, /COPY file:[0-9a-f]{64} in \/from-trigger\//, 'the trigger’s COPY, by checksum')
  t.match(history[2]?.createdBy, /echo ran > \/ran-by-trigger/)
  const grand = await cli('build', '-t', 'grand:1', context('FROM child:1\nRUN true\n'))
  t.equal(grand.code, 0, grand.stderr)
  t.notMatch(grand.stdout, /build trigger/, 'not inherited further')
})

t.test('the step cache covers triggers; a changed COPY source reruns from that trigger on', async (t) => {
  const before = (await client.call('image.inspect', { image: 'child:1' })).Id
  const again = await cli('build', '-t', 'child:1', childCtx)
  t.equal(again.code, 0, again.stderr)
  t.equal(triggerPart(again.stdout).match(/ ---> Using cache\n/g)?.length, 2, 'both triggers from the cache')
  t.notMatch(again.stdout, /Running in/)
  t.equal((await client.call('image.inspect', { image: 'child:1' })).Id, before)
  writeFileSync(join(childCtx, 'trigger.txt'), 'two\n')
  const changed = await cli('build', '-t', 'child:1', childCtx)
  t.equal(changed.code, 0, changed.stderr)
  t.equal(triggerPart(changed.stdout).match(/ ---> Using cache\n/g)?.length, 1, 'the RUN trigger only')
  t.match(await cli('run', '--rm', 'child:1', 'cat', '/both'), { code: 0, stdout: 'ran\ntwo\n' })
})

t.test("an earlier stage's triggers run in the stage FROM it names", async (t) => {
  const df = 'FROM bb:run AS base\nONBUILD RUN echo staged > /staged\nFROM base\nRUN cat /staged\n'
  const r = await cli('build', '-t', 'staged:1', context(df))
  t.equal(r.code, 0, r.stderr)
  t.match(r.stdout, /Step 3\/4 : FROM base\n# Executing 1 build trigger\n/)
  t.match(r.stdout, /Step 4\/4 : RUN cat \/staged\n ---> Running in [0-9a-f]{12}\nstaged\n/)
})

t.test('ONBUILD ONBUILD, FROM, MAINTAINER: INVALID_ARGUMENT; a failing trigger leaves nothing', async (t) => {
  for (const [line, message] of [
    ['ONBUILD ONBUILD RUN true', /line 2: chaining ONBUILD via `ONBUILD ONBUILD` is not allowed/],
    ['ONBUILD FROM bb:run', /line 2: FROM is not allowed as an ONBUILD trigger/],
    ['ONBUILD MAINTAINER ann', /line 2: MAINTAINER is not allowed as an ONBUILD trigger/],
  ] as const) {
    const r = await cli('build', context(`FROM bb:run\n${line}\n`))
    t.equal(r.code, 1, line)
    t.match(r.stderr, message)
    await t.rejects(client.call('image.build', { dockerfile: `FROM bb:run\n${line}\n` }, { upload: chunks(tar([])) }), {
      code: 'INVALID_ARGUMENT',
    })
  }
  const failing = await cli('build', '-t', 'failing:1', context('FROM bb:run\nONBUILD RUN exit 4\n'))
  t.equal(failing.code, 0, failing.stderr)
  const r = await cli('build', context('FROM failing:1\nRUN true\n'))
  t.equal(r.code, 1)
  t.match(r.stdout, /# Executing 1 build trigger\n ---> Running in/)
  t.match(r.stderr, /The command '\/bin\/sh -c exit 4' returned a non-zero code: 4/)
  t.same(await client.call('container.list', { all: true }), [], 'the failed trigger’s container is gone')
})
