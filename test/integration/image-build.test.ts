/**
 * `strata build` through a real stratad, runc and the CLI, on the busybox image of
 * test/helpers/run-fixtures.ts: a multi-stage Dockerfile with a global ARG in FROM, --build-arg,
 * RUN, ENV, WORKDIR, COPY (--chown, a directory, `.` with .dockerignore and an exception),
 * COPY --from, ADD of a local tar, CMD; the classic builder's output; the result run; a rebuild
 * all from the cache; a changed COPY source rebuilding from that step on and leaving the old
 * image dangling; --target, --no-cache, -q, history and images -a; a broken Dockerfile and a
 * failing RUN (no container left); a client gone mid-RUN; hostile context tars and Dockerfiles over RPC. The teardown leaves no process, mount or cgroup behind.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { monitorPids, until, runDaemon } from '../helpers/run-fixtures.js'
import { chunks, tar, type Item } from '../helpers/tar-builder.js'
import { tmpdir } from '../helpers/tmpdir.js'

const { d, client, cli } = await runDaemon(t)

const ctx = tmpdir(t, 'strata-build-ctx-')
mkdirSync(join(ctx, 'src/deep'), { recursive: true })
writeFileSync(join(ctx, 'app.txt'), 'version one\n')
writeFileSync(join(ctx, 'src/x.txt'), 'x\n')
writeFileSync(join(ctx, 'src/deep/y.txt'), 'y\n')
writeFileSync(join(ctx, 'noise.log'), 'left out\n')
writeFileSync(join(ctx, 'keep.log'), 'kept by an exception\n')
writeFileSync(join(ctx, '.dockerignore'), '# comment\n*.log\n!keep.log\n**/deep\n')
const tarSrc = tmpdir(t, 'strata-build-tar-')
writeFileSync(join(tarSrc, 'in-tar.txt'), 'from the tar\n')
execFileSync('tar', ['-C', tarSrc, '--owner=7', '--group=8', '-czf', join(ctx, 'bundle.tgz'), 'in-tar.txt'])
const DOCKERFILE = [
  '# syntax=docker/dockerfile:1',
  'ARG BASE=bb:run',
  'FROM ${BASE} AS builder',
  'ARG GREETING=hello',
  'RUN busybox mkdir -p /out && echo "$GREETING" > /out/greeting \\',
  '    && echo built > /out/artifact',
  '',
  'from ${BASE}',
  'ENV APP_HOME=/srv/app',
  'WORKDIR $APP_HOME',
  'COPY app.txt ./',
  'COPY --chown=1000:50 src/ src/',
  'COPY --from=builder /out/artifact /out/greeting /opt/',
  'ADD bundle.tgz /unpacked/',
  'COPY . /ctx/',
  'RUN cat /opt/greeting > from-builder.txt',
  'CMD ["cat", "app.txt"]',
].join('\n')
writeFileSync(join(ctx, 'Dockerfile'), DOCKERFILE)
const STEPS = 14

const imageIds = async (all: boolean, filters?: Record<string, string[]>) =>
  (await client.call('image.list', { all, ...(filters ? { filters } : {}) })).map((i) => i.id)
const idOf = async (ref: string) => (await client.call('image.inspect', { image: ref })).Id as string

t.test('a multi-stage build: output, and the image runs as built', async (t) => {
  const r = await cli('build', '-t', 'app:v1', '-t', 'app:latest', '--build-arg', 'GREETING=hi', ctx)
  t.equal(r.code, 0, r.stderr)
  t.match(r.stdout, `Step 1/${STEPS} : ARG BASE=bb:run\n`)
  t.match(r.stdout, `Step 2/${STEPS} : FROM \${BASE} AS builder\n ---> `)
  t.match(
    r.stdout,
    /Step 4\/14 : RUN busybox mkdir[^\n]*\n ---> Running in [0-9a-f]{12}\nRemoving intermediate container [0-9a-f]{12}\n ---> [0-9a-f]{12}\n/,
  )
  t.match(r.stdout, /Successfully built [0-9a-f]{12}\nSuccessfully tagged app:v1\nSuccessfully tagged app:latest\n$/)
  t.notMatch(r.stdout, /Using cache/)
  const out = await cli(
    ...['run', '--rm', 'app:v1', 'sh', '-c'],
    'pwd; cat app.txt from-builder.txt /opt/artifact /unpacked/in-tar.txt; stat -c "%u:%g %n" src/x.txt /unpacked/in-tar.txt; ls -A /ctx; echo $APP_HOME',
  )
  t.equal(out.code, 0, out.stderr)
  t.equal(
    out.stdout,
    [
      '/srv/app',
      'version one',
      'hi',
      'built',
      'from the tar',
      '1000:50 src/x.txt',
      '7:8 /unpacked/in-tar.txt',
      '.dockerignore', // as Docker: .dockerignore does not leave itself out
      'Dockerfile',
      'app.txt',
      'bundle.tgz',
      'keep.log',
      'src',
      '/srv/app',
      '',
    ].join('\n'),
  )
  t.match(await cli('run', '--rm', 'app:v1', 'ls', '/ctx/src'), { code: 0, stdout: 'x.txt\n' }, '**/deep left out')
  t.match(await cli('run', '--rm', 'app:v1'), { code: 0, stdout: 'version one\n' }, 'CMD')
  const history = await client.call('image.history', { image: 'app:v1' })
  t.match(history[0]?.createdBy, /#\(nop\)\s+CMD \["cat","app.txt"\]/)
  t.match(history[1]?.createdBy, /^\|0?.*cat \/opt\/greeting > from-builder.txt$|^\/bin\/sh -c cat \/opt\/greeting/)
  t.ok(
    history.some((h) => /COPY file:[0-9a-f]{64} in \.\//.test(h.createdBy)),
    'COPY by checksum',
  )
  t.equal(await idOf('app:v1'), await idOf('app:latest'))
  const all = await imageIds(true)
  const named = await imageIds(false)
  t.equal(all.length, 12, 'images -a: the base and the 11 step images')
  t.equal(named.length, 3, 'images: the base, app, and the builder stage’s last image (dangling, as Docker’s)')
  t.same(await client.call('container.list', { all: true }), [], 'no intermediate container is left')
  t.same(readdirSync(join(d.root, 'tmp')), [], 'the context was removed')
})

t.test(
  'a rebuild comes from the cache; a changed source rebuilds from its step and leaves a dangling image',
  async (t) => {
    const before = await idOf('app:v1')
    const again = await cli('build', '-t', 'app:v1', '--build-arg', 'GREETING=hi', ctx)
    t.equal(again.code, 0, again.stderr)
    t.equal(again.stdout.match(/ ---> Using cache/g)?.length, STEPS - 3, 'every step but the ARG and the two FROMs')
    t.notMatch(again.stdout, /Running in/)
    t.equal(await idOf('app:v1'), before, 'the same image')
    t.match(await cli('rmi', 'app:latest'), { code: 0, stdout: 'Untagged: app:latest\n' })
    writeFileSync(join(ctx, 'app.txt'), 'version two\n')
    const changed = await cli('build', '-t', 'app:v1', '--build-arg', 'GREETING=hi', ctx)
    t.equal(changed.code, 0, changed.stderr)
    const cached = changed.stdout
      .split('Step ')
      .filter((s) => s.includes('Using cache'))
      .map((s) => s.split(' ')[0])
    t.same(cached, ['3/14', '4/14', '6/14', '7/14'], 'the steps before COPY app.txt only (the builder stage’s too)')
    const after = await idOf('app:v1')
    t.not(after, before)
    t.ok((await imageIds(false, { dangling: ['true'] })).includes(before), 'the old image is dangling')
    t.match(await cli('run', '--rm', 'app:v1'), { stdout: 'version two\n' })
  },
)

t.test('--target, --no-cache, -q, --label', async (t) => {
  const target = await cli(
    ...['build', '-q', '--target', 'builder', '-t', 'stage:b', '--label', 'team=a b', '--label', `odd=$HOME 'q' \\`],
    ctx,
  )
  t.equal(target.code, 0, target.stderr)
  t.match(target.stdout, /^sha256:[0-9a-f]{64}\n$/, '-q prints the ID only')
  t.equal(target.stdout.trim(), await idOf('stage:b'))
  t.match(await cli('run', '--rm', 'stage:b', 'cat', '/out/greeting'), { stdout: 'hello\n' }, 'the ARG default')
  const inspect = await client.call('image.inspect', { image: 'stage:b' })
  t.match(inspect, { Config: { Labels: { team: 'a b', odd: `$HOME 'q' \\` } } }, '--label values as given')
  const fresh = await cli('build', '--no-cache', '--target', 'builder', ctx)
  t.equal(fresh.code, 0, fresh.stderr)
  t.notMatch(fresh.stdout, /Using cache/)
  t.match(fresh.stdout, /Running in/)
})

t.test('a broken Dockerfile or a failing RUN fails the build clearly and leaves nothing', async (t) => {
  const bad = tmpdir(t, 'strata-build-bad-')
  writeFileSync(join(bad, 'Dockerfile'), 'FROM bb:run\nRUN true\nFROB x\n')
  t.match(await cli('build', bad), { code: 1, stderr: /line 3: unknown instruction: FROB/ })
  writeFileSync(join(bad, 'Dockerfile'), 'FROM bb:run\nENV A="open\n')
  t.match(await cli('build', bad), { code: 1, stderr: /line 2/ })
  writeFileSync(join(bad, 'Dockerfile'), `FROM ${'0123456789ab'.repeat(5)}0123\n`) // an image ID is never pulled
  t.match(await cli('build', bad), { code: 1, stderr: /No such image: (0123456789ab){5}0123/ })
  writeFileSync(join(bad, 'Dockerfile'), 'FROM bb:run\nCOPY missing /x\n')
  t.match(await cli('build', bad), { code: 1, stderr: /missing/ })
  writeFileSync(join(bad, 'Dockerfile'), 'FROM bb:run\nADD ftp://127.0.0.1/x /x\n')
  t.match(await cli('build', bad), { code: 1, stderr: /http and https URLs only/ })
  writeFileSync(join(bad, 'Dockerfile'), 'FROM bb:run\nRUN echo failing; exit 3\n')
  const failed = await cli('build', bad)
  t.equal(failed.code, 1)
  t.match(failed.stdout, /failing\n/)
  t.match(failed.stderr, /The command '\/bin\/sh -c echo failing; exit 3' returned a non-zero code: 3/)
  t.same(await client.call('container.list', { all: true }), [], 'the failed step’s container is gone')
  t.same(readdirSync(join(d.root, 'tmp')), [], 'no context or staging left')
})

t.test('a hostile context or Dockerfile over RPC: INVALID_ARGUMENT, nothing outside the context', async (t) => {
  const build = (dockerfile: string, items: Item[]) =>
    client.call('image.build', { dockerfile }, { upload: chunks(tar(items), 512) })
  await t.rejects(build('FROM bb:run\nCOPY . /\n', [{ file: '../escape', body: 'x' }]), { code: 'INVALID_ARGUMENT' })
  await t.rejects(
    build('FROM bb:run\nCOPY . /\n', [
      { symlink: 'ln', to: '/tmp' },
      { file: 'ln/planted', body: 'x' },
    ]),
    { code: 'INVALID_ARGUMENT' },
  )
  t.notOk(existsSync('/tmp/planted'), 'nothing written through a symlink of the tar')
  t.notOk(existsSync(join(d.root, 'escape')) || existsSync(join(d.root, 'tmp', 'escape')))
  await t.rejects(
    build('FROM bb:run\nCOPY ln/passwd /x\n', [{ symlink: 'ln', to: '/etc' }]),
    { code: 'NOT_FOUND' },
    'a symlink in the context is followed inside the context only',
  )
  await t.rejects(build('FROM bb:run\nRUN true\n\nbad line', []), { code: 'INVALID_ARGUMENT', message: /line 4/ })
  await t.rejects(build('FROM bb:run\nENV ${', []), { code: 'INVALID_ARGUMENT', message: /line 2/ })
  await t.rejects(build('FROM bb:run\nUSER ${X:?must be set}\n', []), { code: 'INVALID_ARGUMENT', message: /line 2/ })
  await t.rejects(build('ARG X\nFROM ${X:?must be set}\n', []), { code: 'INVALID_ARGUMENT', message: /line 2: FROM/ })
  await t.rejects(build('ARG X=${Y:?must be set}\nFROM bb:run\n', []), {
    code: 'INVALID_ARGUMENT',
    message: /line 1: ARG/,
  })
  await t.rejects(build(`FROM bb:run\nCOPY x /${'d'.repeat(300)}/\n`, [{ file: 'x', body: 'x' }]), {
    code: 'INVALID_ARGUMENT',
    message: /COPY failed/,
  })
  t.same(readdirSync(join(d.root, 'tmp')), [], 'no context left')
})

t.test('FROM scratch, and -f outside the context', async (t) => {
  const df = join(tmpdir(t, 'strata-build-df-'), 'Scratchfile')
  writeFileSync(df, 'FROM scratch\nCOPY app.txt src/ /files/\nENV A=1\nFROM scratch\n')
  const none = await cli('build', '-f', df, ctx)
  t.equal(none.code, 1, 'an empty last stage made no image')
  t.match(none.stderr, /made no image/)
  writeFileSync(df, 'FROM scratch\nCOPY app.txt src/ /files/\nENV A=1\n')
  const r = await cli('build', '-q', '-f', df, '-t', 'min:1', ctx)
  t.equal(r.code, 0, r.stderr)
  const history = await client.call('image.history', { image: 'min:1' })
  t.same(
    history.map((h) => h.createdBy.replace(/[0-9a-f]{64}/, 'SUM')),
    ['/bin/sh -c #(nop)  ENV A=1', '/bin/sh -c #(nop) COPY dir:SUM in /files/ '],
  )
  t.equal(history[1]?.size, 'version two\n'.length + 'x\n'.length, 'the layer holds app.txt and src’s x.txt')
  const again = await cli('build', '-f', df, ctx)
  t.equal(again.stdout.match(/Using cache/g)?.length, 2, 'scratch steps come from the cache too')
})

t.test('ADD copies a compressed file that holds no tar as it is, as Docker does', async (t) => {
  const dir = tmpdir(t, 'strata-build-gz-')
  writeFileSync(join(dir, 'note.txt'), 'plain\n')
  execFileSync('gzip', [join(dir, 'note.txt')])
  writeFileSync(join(dir, 'Dockerfile'), 'FROM bb:run\nADD note.txt.gz /l/\n')
  const r = await cli('build', '-t', 'gz:1', dir)
  t.equal(r.code, 0, r.stderr)
  t.match(await cli('run', '--rm', 'gz:1', 'ls', '/l'), { code: 0, stdout: 'note.txt.gz\n' })
})

t.test('a client that goes away mid-RUN: the process is ended and its container removed', async (t) => {
  const abort = new AbortController()
  const call = client.call(
    'image.build',
    { dockerfile: 'FROM bb:run\nRUN echo started; sleep 120\n', noCache: true },
    {
      upload: chunks(tar([{ file: 'x', body: 'x' }])),
      signal: abort.signal,
      onEvent: (e) => {
        if (e.status === 'started') abort.abort(new Error('cancelled by the test'))
      },
    },
  )
  await t.rejects(call, /cancelled by the test/)
  await until('the RUN container to go', async () => (await client.call('container.list', { all: true })).length === 0)
  await until('its monitor to end', () => monitorPids(d.root).length === 0)
  await until('the context to go', () => readdirSync(join(d.root, 'tmp')).length === 0)
  t.pass('nothing left')
})
