/**
 * The Dockerfile instructions one by one through a real stratad, runc and the CLI, on the busybox
 * image of test/helpers/run-fixtures.ts, each checked where Docker shows it (`inspect`, a `run` of
 * the image, a later RUN): SHELL kept in the config and inherited by a stage and a child build FROM
 * it; WORKDIR making a missing directory (root's) in a layer and none for one already there;
 * `build --network host` and `RUN --network=host` (the host's interfaces; a cache key of their own);
 * RUN in exec form, USER for a later RUN and for `run`, ENTRYPOINT with CMD, LABEL, EXPOSE, VOLUME,
 * STOPSIGNAL, HEALTHCHECK, COPY --chmod, two -t; `-f -`; `Step N/M :` echoing the line as written.
 * The teardown leaves no process, mount or cgroup behind.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { runPiped } from '../helpers/cli.js'
import { STRATA_CLI } from '../helpers/daemon.js'
import { runDaemon } from '../helpers/run-fixtures.js'
import { tmpdir } from '../helpers/tmpdir.js'

const { d, client, cli } = await runDaemon(t)

/** A context directory holding `dockerfile` and `files`. */
function context(dockerfile: string, files: Record<string, string> = {}): string {
  const dir = tmpdir(t, 'strata-build-instr-')
  writeFileSync(join(dir, 'Dockerfile'), dockerfile)
  for (const [name, body] of Object.entries(files)) writeFileSync(join(dir, name), body)
  return dir
}

async function built(t: Test, dir: string, ...flags: string[]): Promise<string> {
  const r = await cli('build', ...flags, dir)
  t.equal(r.code, 0, r.stderr)
  return r.stdout
}

const configOf = async (ref: string) =>
  (await client.call('image.inspect', { image: ref })).Config as Record<string, unknown>

/** A shell anyone can tell from the default: it sets VIA_SHELL for the command it runs. */
const SHELL = ['/bin/busybox', 'env', 'VIA_SHELL=yes', '/bin/sh', '-c']

t.test('SHELL is kept in the config: a stage and a child build FROM it run under it', async (t) => {
  const dir = context(
    [
      'FROM bb:run AS base',
      `SHELL ${JSON.stringify(SHELL)}`,
      'FROM base',
      'RUN echo "stage: $VIA_SHELL" > /shelled',
      'CMD echo "cmd: $VIA_SHELL"',
    ].join('\n'),
  )
  await built(t, dir, '-t', 'shell:1')
  t.same((await configOf('shell:1')).Shell, SHELL, 'inspect shows Config.Shell')
  const shown = await cli('inspect', 'shell:1')
  t.equal(shown.code, 0, shown.stderr)
  t.same((JSON.parse(shown.stdout) as Array<{ Config: { Shell?: string[] } }>)[0]?.Config.Shell, SHELL)
  t.match(await cli('run', '--rm', 'shell:1', 'cat', '/shelled'), { code: 0, stdout: 'stage: yes\n' })
  t.match(await cli('run', '--rm', 'shell:1'), { code: 0, stdout: 'cmd: yes\n' }, 'shell-form CMD under it')
  const history = await client.call('image.history', { image: 'shell:1' })
  t.match(history[1]?.createdBy, `${SHELL.join(' ')} echo "stage: $VIA_SHELL" > /shelled`)
  t.equal(history[2]?.createdBy, `/bin/sh -c #(nop)  SHELL [${SHELL.join(' ')}]`, 'in Docker’s words')

  const child = context('FROM shell:1\nRUN echo "child: $VIA_SHELL" > /child\n')
  await built(t, child, '-t', 'shell:child')
  t.match(await cli('run', '--rm', 'shell:child', 'cat', '/child'), { code: 0, stdout: 'child: yes\n' })
  t.same((await configOf('shell:child')).Shell, SHELL, 'and it is inherited further')

  const reset = context(`FROM shell:1\nSHELL ["/bin/sh", "-c"]\nRUN echo "reset: $VIA_SHELL" > /reset\n`)
  await built(t, reset, '-t', 'shell:reset')
  t.match(await cli('run', '--rm', 'shell:reset', 'cat', '/reset'), { stdout: 'reset: \n' }, 'a later SHELL wins')
})

t.test('WORKDIR makes a missing directory (root’s, as the classic builder) in its own layer', async (t) => {
  const layersOf = async (ref: string) =>
    ((await client.call('image.inspect', { image: ref })).RootFS as { Layers: string[] }).Layers
  await built(t, context('FROM bb:run\nUSER ann\nWORKDIR /a/b\n'), '-t', 'wd:made')
  t.match(await cli('run', '--rm', 'wd:made', 'ls', '-ld', '/a/b'), { code: 0, stdout: /^d.* \/a\/b\n$/ })
  const st = await cli('run', '--rm', 'wd:made', 'stat', '-c', '%a %u:%g %n', '/a', '/a/b')
  t.equal(st.stdout, '755 0:0 /a\n755 0:0 /a/b\n', st.stderr)
  t.match(await cli('run', '--rm', 'wd:made', 'pwd'), { code: 0, stdout: '/a/b\n' }, 'and run starts there')
  const base = (await layersOf('bb:run')).length
  t.equal((await layersOf('wd:made')).length, base + 1, 'one layer more: the directories')

  await built(t, context('FROM bb:run\nWORKDIR /home/ann\nWORKDIR /a\nWORKDIR b\nRUN pwd > /where\n'), '-t', 'wd:there')
  const history = await client.call('image.history', { image: 'wd:there' })
  t.match(
    history.slice(0, 4).map((h) => [h.createdBy.replace(/^.*#\(nop\)\s+/, ''), h.size]),
    [
      [/pwd > \/where$/, Number],
      ['WORKDIR /a/b', 0],
      ['WORKDIR /a', 0],
      ['WORKDIR /home/ann', 0],
    ],
  )
  t.equal((await layersOf('wd:there')).length, base + 3, 'an existing directory adds no layer; /a and /a/b one each')
  t.match(await cli('run', '--rm', 'wd:there', 'cat', '/where'), { stdout: '/a/b\n' })
  const again = await built(t, context('FROM bb:run\nWORKDIR /home/ann\nWORKDIR /a\nWORKDIR b\n'))
  t.equal(again.match(/Using cache/g)?.length, 3, 'WORKDIR steps come from the cache')

  const bad = await cli('build', context('FROM bb:run\nWORKDIR /etc/passwd/x\n'))
  t.equal(bad.code, 1)
  t.match(bad.stderr, /WORKDIR \/etc\/passwd\/x: \/etc\/passwd exists and is not a directory/)
  t.same(await client.call('container.list', { all: true }), [], 'no step container is left')
})

t.test('build --network host and RUN --network=host: the host’s interfaces, and a step of its own', async (t) => {
  const hostIfaces = readFileSync('/proc/net/dev', 'utf8').split('\n').length
  const dir = context('FROM bb:run\nRUN cat /proc/net/dev > /net\n')
  const lines = async (ref: string) => (await cli('run', '--rm', ref, 'cat', '/net')).stdout.split('\n').length
  await built(t, dir, '--network', 'host', '-t', 'net:host')
  t.equal(await lines('net:host'), hostIfaces, 'the RUN saw the host’s interfaces')
  const none = await built(t, dir, '-t', 'net:none')
  t.notMatch(none, /Using cache/, 'a RUN with host network is not reused for none')
  t.equal(await lines('net:none'), 4, 'the header and lo only')
  t.match(await built(t, dir, '--network', 'host'), /Using cache/, 'and is reused for host')
  const history = await client.call('image.history', { image: 'net:host' })
  t.equal(history[0]?.createdBy, '--network=host /bin/sh -c cat /proc/net/dev > /net')

  await built(t, context('FROM bb:run\nRUN --network=host cat /proc/net/dev > /net\n'), '-t', 'net:flag')
  t.equal(await lines('net:flag'), hostIfaces, 'RUN --network=host on a default build')
  const bad = await cli('build', context('FROM bb:run\nRUN --network=bridge true\n'))
  t.match(bad, { code: 1, stderr: /line 2: RUN --network=bridge: strata runs with none or host/ })
})

const EVERYTHING = [
  'FROM bb:run',
  'RUN ["/bin/sh", "-c", "echo hi > /exec-form"]',
  'LABEL a=1 "b c"="d e"',
  'EXPOSE 80 53/udp',
  'VOLUME /data',
  'STOPSIGNAL SIGINT',
  'HEALTHCHECK --interval=5s --retries=2 CMD true',
  'COPY --chmod=640 file.txt /copied',
  'USER ann',
  'RUN id -u > /tmp/uid-at-build',
  'ENTRYPOINT ["echo", "entry"]',
  'CMD ["default"]',
].join('\n')

t.test('every config instruction where inspect shows it; run uses ENTRYPOINT, CMD and USER', async (t) => {
  const dir = context(EVERYTHING, { 'file.txt': 'copied\n' })
  await built(t, dir, '-t', 'all:1', '-t', 'all:2')
  t.equal(
    (await client.call('image.inspect', { image: 'all:1' })).Id,
    (await client.call('image.inspect', { image: 'all:2' })).Id,
    'two -t: one image, both names',
  )
  const want = {
    Labels: { a: '1', 'b c': 'd e' },
    ExposedPorts: { '80/tcp': {}, '53/udp': {} },
    Volumes: { '/data': {} },
    StopSignal: 'SIGINT',
    Healthcheck: { Test: ['CMD-SHELL', 'true'], Interval: 5e9, Retries: 2 },
    User: 'ann',
    Entrypoint: ['echo', 'entry'],
    Cmd: ['default'],
  }
  t.match(await configOf('all:1'), want, 'image.inspect')
  const shown = await cli('inspect', 'all:2')
  t.equal(shown.code, 0, shown.stderr)
  t.match((JSON.parse(shown.stdout) as Array<{ Config: unknown }>)[0]?.Config, want, 'strata inspect')

  t.match(await cli('run', '--rm', 'all:1'), { code: 0, stdout: 'entry default\n' }, 'ENTRYPOINT + CMD')
  t.match(await cli('run', '--rm', 'all:1', 'given'), { code: 0, stdout: 'entry given\n' }, 'arguments replace CMD')
  const inImage = (...argv: string[]) =>
    cli('run', '--rm', '--entrypoint', argv[0] as string, 'all:1', ...argv.slice(1))
  t.match(await inImage('cat', '/exec-form'), { code: 0, stdout: 'hi\n' }, 'RUN in exec form')
  t.match(await inImage('cat', '/tmp/uid-at-build'), { code: 0, stdout: '1000\n' }, 'USER for a later RUN')
  t.match(await inImage('id', '-u'), { code: 0, stdout: '1000\n' }, 'USER for run')
  t.match(await inImage('stat', '-c', '%a %u:%g', '/copied'), { code: 0, stdout: '640 0:0\n' }, 'COPY --chmod')
  const history = await client.call('image.history', { image: 'all:1' })
  t.equal(history.at(-2)?.createdBy, '/bin/sh -c echo hi > /exec-form', 'exec form: the argv as it is, no shell added')
})

/** The CLI with `input` on its stdin. */
const piped = (input: string, ...args: string[]) =>
  runPiped(process.execPath, [STRATA_CLI, '-H', d.socket, ...args], input)

t.test('-f - reads the Dockerfile from stdin; the context still comes from the path', async (t) => {
  const dir = context('FROM bb:run\nRUN false\n', { 'ctx.txt': 'from the context\n' })
  const r = await piped('FROM bb:run\nCOPY ctx.txt /\n', 'build', '-f', '-', '-t', 'stdin:1', dir)
  t.equal(r.code, 0, r.stderr)
  t.match(r.stdout, /Step 2\/2 : COPY ctx.txt \/\n/)
  t.match(await cli('run', '--rm', 'stdin:1', 'cat', '/ctx.txt'), { code: 0, stdout: 'from the context\n' })
})

t.test('Step N/M echoes each line as written, as the classic builder does', async (t) => {
  const dir = context('from bb:run AS low\ncopy  --chmod=600 f /f\nRUN echo a \\\n    b\n', { f: 'f\n' })
  const out = await built(t, dir)
  t.match(out, 'Step 1/3 : from bb:run AS low\n', 'keyword case kept')
  t.match(out, 'Step 2/3 : copy  --chmod=600 f /f\n', 'flags and spacing kept')
  t.match(out, 'Step 3/3 : RUN echo a     b\n', 'continuations joined')
})
