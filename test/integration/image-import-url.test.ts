/**
 * `strata import http://…/rootfs.tar.gz REPO:TAG` against a real stratad and an http server
 * started here on loopback: the daemon streams the download into the layer with progress lines;
 * a bad URL, a missing file, a server error, a refused connection and a body cut short each give
 * a clear error code and store nothing.
 */
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { gzipSync } from 'node:zlib'
import t, { type Test } from 'tap'
import type { ProgressEvent } from '../../client/protocol.js'
import { startDaemon, STRATA_CLI, type Daemon } from '../helpers/daemon.js'
import { digestOf } from '../helpers/image-archive.js'
import { tar } from '../helpers/tar-builder.js'

/** Incompressible, so the gzip'd download is over 2 MiB and the progress has steps. */
const noise = randomBytes(3 << 20)
const ROOTFS = tar([{ dir: 'etc/' }, { file: 'etc/hostname', body: 'web\n' }, { file: 'srv/blob', body: noise }])
const GZ = gzipSync(ROOTFS)

/** Serves /rootfs.tar.gz in 64 KiB writes; /gone is 404, /broken 500, /cut stops halfway. */
async function startServer(t: Test): Promise<{ base: string; server: Server }> {
  const server = createServer((req, res) => {
    if (req.url === '/rootfs.tar.gz' || req.url === '/cut') {
      res.writeHead(200, { 'content-type': 'application/gzip', 'content-length': GZ.length })
      const end = req.url === '/cut' ? GZ.length >> 1 : GZ.length
      let i = 0
      const more = () => {
        while (i < end) {
          const ok = res.write(GZ.subarray(i, (i = Math.min(end, i + 65536))))
          if (!ok) return void res.once('drain', more)
        }
        if (end === GZ.length) res.end()
        else res.destroy()
      }
      more()
    } else if (req.url === '/broken') res.writeHead(500).end('no')
    else res.writeHead(404).end('not here')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server }
}

const stored = (d: Daemon) => ({ layers: readdirSync(join(d.root, 'layers')), tmp: readdirSync(join(d.root, 'tmp')) })

t.test('import URL downloads, streams into a layer and tags it, with progress', async (t) => {
  const { base } = await startServer(t)
  const d = await startDaemon(t)
  const c = await d.connect()
  t.teardown(() => c.close())
  const env = { ...process.env, STRATA_SOCKET: d.socket }
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [STRATA_CLI, 'import', '-c', 'CMD ["/bin/sh"]', `${base}/rootfs.tar.gz`, 'web:1'],
    { env },
  )
  const lines = stdout.split('\n')
  t.same(lines.slice(0, 2), [`Downloading from ${base}/rootfs.tar.gz`, 'Importing'], 'as docker import URL prints them')
  t.match(lines[2], /^sha256:[0-9a-f]{64}$/)
  const info = await c.call('image.inspect', { image: 'web:1' })
  t.equal(info.Id, lines[2])
  t.same((info.RootFS as { Layers: string[] }).Layers, [digestOf(ROOTFS)], 'the layer is the plain tar')
  t.same((info.Config as { Cmd: string[] }).Cmd, ['/bin/sh'])

  const events: ProgressEvent[] = []
  await c.call('image.import', { url: `${base}/rootfs.tar.gz`, ref: 'web:2' }, { onEvent: (e) => events.push(e) })
  const bars = events.filter((e) => e.current !== undefined)
  t.ok(bars.length >= 3, `${bars.length} progress events`)
  t.same(bars.at(-1), { id: 'import', status: 'Importing', current: GZ.length, total: GZ.length })
  t.ok(
    bars.every((e, i) => i === 0 || e.current! >= bars[i - 1]!.current!),
    'bytes only grow',
  )
})

t.test('a bad URL or a failed download is a clear error and stores nothing', async (t) => {
  const { base } = await startServer(t)
  const d = await startDaemon(t)
  const c = await d.connect()
  t.teardown(() => c.close())
  const before = stored(d)
  const refused = createServer()
  await new Promise<void>((resolve) => refused.listen(0, '127.0.0.1', resolve))
  const closedPort = (refused.address() as AddressInfo).port
  await new Promise<void>((resolve) => refused.close(() => resolve()))
  const cases: Array<[string, string, RegExp]> = [
    ['not a URL', 'INVALID_ARGUMENT', /invalid URL/],
    ['ftp://127.0.0.1/rootfs.tar', 'INVALID_ARGUMENT', /unsupported URL scheme ftp:/],
    [`${base}/gone`, 'NOT_FOUND', /HTTP 404/],
    [`${base}/broken`, 'UNAVAILABLE', /HTTP 500/],
    [`http://127.0.0.1:${closedPort}/x.tar`, 'UNAVAILABLE', /ECONNREFUSED/],
    [`${base}/cut`, 'INVALID_ARGUMENT', /broke off|ended after|truncated|unexpected end/],
  ]
  for (const [url, code, message] of cases)
    await t.rejects(c.call('image.import', { url, ref: 'bad:1' }), { code, message }, url)
  const env = { ...process.env, STRATA_SOCKET: d.socket }
  await t.rejects(
    promisify(execFile)(process.execPath, [STRATA_CLI, 'import', `${base}/gone`, 'bad:1'], { env }),
    { code: 1, stderr: /Error response from daemon: cannot download .*\/gone: HTTP 404/ },
    'the CLI says what failed',
  )
  t.same(stored(d), before, 'no layer, nothing left in tmp/')
  t.same(await c.call('image.list', {}), [], 'no image')
})
