/**
 * `ADD <url>` through a real stratad, runc and the CLI, from a real HTTP server on loopback
 * (test/helpers/http-files.ts): the file downloaded into a directory or to a name, mode 0600,
 * mtime from Last-Modified (the epoch without), --chown, a tar kept as it is; a rebuild downloads
 * again and comes from the cache; changed content reruns the step; a 404, an unreachable host and
 * COPY of a URL fail with INVALID_ARGUMENT, and so does a download that does not match
 * --checksum, leaving no container and no download behind; a matching --checksum passes.
 */
import { createHash } from 'node:crypto'
import { readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { deadUrl, serveFiles } from '../helpers/http-files.js'
import { runDaemon } from '../helpers/run-fixtures.js'
import { chunks, tar } from '../helpers/tar-builder.js'
import { tmpdir } from '../helpers/tmpdir.js'

const { d, client, cli } = await runDaemon(t)

const LAST_MODIFIED = 'Wed, 21 Oct 2015 07:28:00 GMT'
const srv = await serveFiles(t, {
  '/files/hello.txt': { headers: { 'Last-Modified': LAST_MODIFIED }, body: 'hello\n' },
  '/pack/bundle.tar': { body: tar([{ file: 'inside.txt', body: 'in the tar\n' }]) },
})
const ctx = tmpdir(t, 'strata-build-url-')
writeFileSync(
  join(ctx, 'Dockerfile'),
  [
    'FROM bb:run',
    'ARG SERVER',
    'ADD $SERVER/files/hello.txt /dl/',
    'ADD --chown=1000:50 ${SERVER}/files/hello.txt /dl/renamed.txt',
    'ADD $SERVER/pack/bundle.tar /dl/',
  ].join('\n'),
)
const build = () => cli('build', '-t', 'url:1', '--build-arg', `SERVER=${srv.base}`, ctx)
const STAT = ['stat', '-c', '%a %u:%g %Y %n', '/dl/hello.txt', '/dl/renamed.txt', '/dl/bundle.tar']

t.test('ADD <url>: downloaded as Docker does', async (t) => {
  const r = await build()
  t.equal(r.code, 0, r.stderr)
  const mtime = Date.parse(LAST_MODIFIED) / 1000
  t.match(await cli('run', '--rm', 'url:1', ...STAT), {
    code: 0,
    stdout: `600 0:0 ${mtime} /dl/hello.txt\n600 1000:50 ${mtime} /dl/renamed.txt\n600 0:0 0 /dl/bundle.tar\n`,
  })
  t.match(await cli('run', '--rm', 'url:1', 'cat', '/dl/renamed.txt'), { stdout: 'hello\n' })
  t.match(
    await cli('run', '--rm', 'url:1', 'busybox', 'tar', '-tf', '/dl/bundle.tar'),
    { stdout: 'inside.txt\n' },
    'not unpacked',
  )
  const history = await client.call('image.history', { image: 'url:1' })
  t.match(history[0]?.createdBy, /#\(nop\) ADD file:[0-9a-f]{64} in \/dl\/ $/)
  t.match(history[1]?.createdBy, /#\(nop\) ADD --chown=1000:50 file:[0-9a-f]{64} in \/dl\/renamed.txt $/)
})

t.test('a rebuild downloads again and reuses the steps; changed content reruns them', async (t) => {
  const before = (await client.call('image.inspect', { image: 'url:1' })).Id
  const hits = srv.hits.get('/files/hello.txt') ?? 0
  const again = await build()
  t.equal(again.code, 0, again.stderr)
  t.equal(srv.hits.get('/files/hello.txt'), hits + 2, 'downloaded again, as Docker does')
  t.equal(again.stdout.match(/ ---> Using cache\n/g)?.length, 4, 'ARG and the three ADDs')
  t.equal((await client.call('image.inspect', { image: 'url:1' })).Id, before)
  srv.routes.set('/files/hello.txt', { headers: { 'Last-Modified': LAST_MODIFIED }, body: 'hello again\n' })
  const changed = await build()
  t.equal(changed.code, 0, changed.stderr)
  t.equal(changed.stdout.match(/ ---> Using cache\n/g)?.length, 1, 'the ARG only')
  t.match(await cli('run', '--rm', 'url:1', 'cat', '/dl/hello.txt'), { stdout: 'hello again\n' })
  const sum = createHash('sha256').update('hello again\n').digest('hex')
  const checked = tmpdir(t, 'strata-build-url-sum-')
  writeFileSync(
    join(checked, 'Dockerfile'),
    `FROM bb:run\nADD --checksum=sha256:${sum} ${srv.base}/files/hello.txt /\n`,
  )
  t.match(await cli('build', '-q', checked), { code: 0, stdout: /^sha256:/ }, 'a matching --checksum')
})

t.test('a 404, an unreachable host, COPY of a URL: INVALID_ARGUMENT, nothing left', async (t) => {
  const bad = tmpdir(t, 'strata-build-url-bad-')
  const fails = async (line: string, message: RegExp) => {
    writeFileSync(join(bad, 'Dockerfile'), `FROM bb:run\n${line}\n`)
    t.match(await cli('build', bad), { code: 1, stderr: message }, line)
    await t.rejects(client.call('image.build', { dockerfile: `FROM bb:run\n${line}\n` }, { upload: chunks(tar([])) }), {
      code: 'INVALID_ARGUMENT',
      message,
    })
  }
  await fails(`ADD ${srv.base}/missing.txt /x`, /ADD failed: http:\/\/127\.0\.0\.1:\d+\/missing.txt answered 404/)
  await fails(
    `ADD ${await deadUrl('/gone.txt')} /x`,
    /cannot get http:\/\/127\.0\.0\.1:\d+\/gone.txt: connect ECONNREFUSED/,
  )
  await fails(`COPY ${srv.base}/files/hello.txt /x`, /source can't be a URL for COPY/)
  await fails(`ADD --checksum=sha256:${'0'.repeat(64)} ${srv.base}/files/hello.txt /x`, /checksum mismatch/)
  t.same(await client.call('container.list', { all: true }), [], 'no container left')
  t.same(readdirSync(join(d.root, 'tmp')), [], 'no context or download left')
})
