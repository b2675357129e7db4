import { createHash } from 'node:crypto'
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { URL_LIMITS } from '../../../daemon/build/download-limits.js'
import { downloadUrl, nameOf, sourcesOf } from '../../../daemon/build/url-source.js'
import { deadUrl, serveFiles } from '../../helpers/http-files.js'
import { tmpdir } from '../../helpers/tmpdir.js'

const LAST_MODIFIED = 'Wed, 21 Oct 2015 07:28:00 GMT'
const srv = await serveFiles(t, {
  '/files/hello.txt': { headers: { 'Last-Modified': LAST_MODIFIED }, body: 'hello\n' },
  '/plain': { body: 'no date\n' },
  '/dir/': { headers: { 'Content-Disposition': 'attachment; filename="../named.txt"' }, body: 'named\n' },
  '/nameless/': { body: 'x' },
  '/moved': { status: 302, headers: { Location: '/files/hello.txt' } },
  '/big': { body: Buffer.alloc(64 * 1024, 'b') },
  '/stall': (_req, res) => res.writeHead(200, { 'Content-Length': '10' }).write('12345'), // never ends
  '/chunked': (_req, res) => {
    for (let i = 0; i < 64; i++) res.write(Buffer.alloc(1024, 'c')) // no Content-Length: counted as it comes
    res.end()
  },
  '/boom': { status: 500, body: 'broken\n' },
})
const never = new AbortController().signal

t.test('a download: streamed to a file named from the URL, mode 0600, mtime from Last-Modified', async (t) => {
  const d = await downloadUrl(`${srv.base}/files/hello.txt?v=1`, tmpdir(t), never)
  t.teardown(d.remove)
  t.match(d, { name: 'hello.txt', remote: true, pattern: `${srv.base}/files/hello.txt?v=1` })
  t.equal(readFileSync(d.path, 'utf8'), 'hello\n')
  const st = statSync(d.path)
  t.equal(st.mode & 0o7777, 0o600)
  t.equal(st.mtimeMs, Date.parse(LAST_MODIFIED))
  const plain = await downloadUrl(`${srv.base}/plain`, tmpdir(t), never)
  t.equal(statSync(plain.path).mtimeMs, 0, 'no Last-Modified: the epoch, as Docker')
  const named = await downloadUrl(`${srv.base}/dir/`, tmpdir(t), never)
  t.equal(named.name, 'named.txt', 'Content-Disposition, its last component only')
  const moved = await downloadUrl(`${srv.base}/moved`, tmpdir(t), never)
  t.equal(readFileSync(moved.path, 'utf8'), 'hello\n', 'a redirect followed')
  t.equal(moved.name, 'moved', 'named after the URL asked for, as Docker names it')
})

t.test('file names', async (t) => {
  t.equal(nameOf(new URL('http://h/a/b%20c.tgz'), null), 'b c.tgz')
  t.equal(nameOf(new URL('http://h/a/%2e%2e'), null), undefined)
  t.equal(nameOf(new URL('http://h/'), 'inline; filename=x.bin'), 'x.bin')
  t.equal(nameOf(new URL('http://h/'), 'attachment; filename="a\\b\\c.txt"'), 'c.txt')
  t.equal(nameOf(new URL('http://h/'), null), undefined)
})

t.test('what fails is INVALID_ARGUMENT, and leaves no file', async (t) => {
  const scratch = tmpdir(t)
  const fails = (url: string, message: RegExp, limits = URL_LIMITS) =>
    t.rejects(downloadUrl(url, scratch, never, limits), { code: 'INVALID_ARGUMENT', message }, url)
  await fails(`${srv.base}/missing`, /answered 404 Not Found/)
  await fails(`${srv.base}/boom`, /answered 500 Internal Server Error/)
  await fails(await deadUrl(), /cannot get http:\/\/127\.0\.0\.1:\d+\/x: connect ECONNREFUSED/)
  await fails('http://', /bad URL/)
  await fails('ftp://127.0.0.1/x', /http and https URLs only/)
  await fails(`${srv.base}/nameless/`, /cannot tell a file name/)
  await fails(`${srv.base}/big`, /larger than strata's limit of 1000 bytes/, { ...URL_LIMITS, maxBytes: 1000 })
  await fails(`${srv.base}/chunked`, /larger than strata's limit of 1000 bytes/, { ...URL_LIMITS, maxBytes: 1000 })
  await fails(`${srv.base}/stall`, /sent nothing for 0.2 s/, { ...URL_LIMITS, idleMs: 200 })
  t.same(readdirSync(scratch), [], 'nothing left in scratch')
})

t.test("the build's abort ends a download with the build's reason", async (t) => {
  const abort = new AbortController()
  const call = downloadUrl(`${srv.base}/stall`, tmpdir(t), abort.signal)
  abort.abort(new Error('client gone'))
  await t.rejects(call, /client gone/)
})

t.test('sourcesOf: URLs downloaded and patterns matched, in order; remove() takes the downloads', async (t) => {
  const root = tmpdir(t)
  const scratch = tmpdir(t)
  writeFileSync(join(root, 'local.txt'), 'local\n')
  const got = await sourcesOf(root, [`${srv.base}/plain`, 'local.txt'], scratch, never)
  t.same(
    got.sources.map((s) => [s.name, s.remote ?? false]),
    [
      ['plain', true],
      ['local.txt', false],
    ],
  )
  got.remove()
  t.same(readdirSync(scratch), [])
  await t.rejects(sourcesOf(root, [`${srv.base}/plain`, 'nope'], scratch, never), { code: 'NOT_FOUND' })
  t.same(readdirSync(scratch), [], 'a failure after a download takes it away too')
})

t.test('--checksum: the download must have that sha256; one URL source only', async (t) => {
  const root = tmpdir(t)
  const scratch = tmpdir(t)
  const url = `${srv.base}/plain`
  const sum = `sha256:${createHash('sha256').update('no date\n').digest('hex')}`
  const got = await sourcesOf(root, [url], scratch, never, sum.toUpperCase().replace('SHA256', 'sha256'))
  t.match(got.sources[0], { name: 'plain', digest: sum })
  got.remove()
  const wrong = `sha256:${'0'.repeat(64)}`
  await t.rejects(sourcesOf(root, [url], scratch, never, wrong), {
    code: 'INVALID_ARGUMENT',
    message: `ADD failed: ${url}: checksum mismatch: --checksum=${wrong}, got ${sum}`,
  })
  await t.rejects(sourcesOf(root, [url], scratch, never, 'md5:abc'), { code: 'INVALID_ARGUMENT', message: /sha256:/ })
  await t.rejects(sourcesOf(root, [url, url], scratch, never, sum), { message: /single http or https URL/ })
  await t.rejects(sourcesOf(root, ['local.txt'], scratch, never, sum), { message: /single http or https URL/ })
  t.same(readdirSync(scratch), [], 'a mismatch leaves no download')
})
