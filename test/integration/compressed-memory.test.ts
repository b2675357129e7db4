/**
 * Compressed imports stream through a real stratad: a 256 MiB rootfs compressed with zstd and with
 * xz (made by the Debian tools, a few KiB each: a bomb in all but name) is imported from a URL and from a file;
 * the daemon's peak RSS (VmHWM) grows by far less than the tar, so nothing was held whole.
 */
import { execFile, execSync } from 'node:child_process'
import { createReadStream, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { startDaemon, STRATA_CLI, type Daemon } from '../helpers/daemon.js'
import { tmpdir } from '../helpers/tmpdir.js'

const MiB = 1 << 20
const SIZE = 256 * MiB
/**
 * Well under SIZE (one layer held whole would pass it): what a window, a block, the GC's slack and
 * the daemon's own buffers may take. Measured 88 MiB here; with the npm xz decoder it was 802.
 */
const ALLOWED_GROWTH = 160 * MiB

const peakRss = (d: Daemon): number => {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${d.proc.pid}/status`, 'utf8'))
  if (!m) throw new Error('no VmHWM')
  return Number(m[1]) * 1024
}

t.test('a 256 MiB rootfs in zstd and xz imports from a URL and a file without being held whole', async (t) => {
  const dir = tmpdir(t, 'strata-compressed-memory-')
  writeFileSync(join(dir, 'big'), '')
  truncateSync(join(dir, 'big'), SIZE)
  // ustar, not --sparse: the tar carries every zero, as a real 256 MiB file would.
  execSync(`tar -C ${dir} --format=ustar -cf - big | zstd -q -c > ${dir}/rootfs.tar.zst`)
  execSync(`tar -C ${dir} --format=ustar -cf - big | xz -c > ${dir}/rootfs.tar.xz`)
  t.ok(statSync(join(dir, 'rootfs.tar.zst')).size < 4 * MiB, 'small when compressed')
  const server = createServer((req, res) => {
    const file = join(dir, (req.url ?? '/').slice(1))
    res.writeHead(200, { 'content-length': statSync(file).size })
    createReadStream(file).pipe(res)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  const d = await startDaemon(t)
  const c = await d.connect()
  t.teardown(() => c.close())
  const env = { ...process.env, STRATA_SOCKET: d.socket }
  const before = peakRss(d)
  for (const ext of ['zst', 'xz']) {
    await c.call('image.import', { url: `${base}/rootfs.tar.${ext}`, ref: `big:url-${ext}` })
    await promisify(execFile)(process.execPath, [STRATA_CLI, 'import', join(dir, `rootfs.tar.${ext}`), `big:${ext}`], {
      env,
    })
  }
  const layers = new Set<string>()
  for (const i of await c.call('image.list', {})) {
    layers.add(((await c.call('image.inspect', { image: i.id })).RootFS as { Layers: string[] }).Layers.join())
    t.ok(i.size >= SIZE, `${i.repoTags.join()}: ${i.size} bytes`)
  }
  t.equal(layers.size, 1, 'the same layer each time')
  const growth = peakRss(d) - before
  t.ok(growth < ALLOWED_GROWTH, `peak RSS grew by ${(growth / MiB).toFixed(0)} MiB for 4 x 256 MiB`)
})
