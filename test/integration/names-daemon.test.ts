/**
 * Through a real stratad and its FUSE mount: a container makes a name with bytes 0x80..0xff and a
 * path past PATH_MAX below its upper/ (python3, by descriptors); `diff` (RPC) names them, each byte
 * that is not UTF-8 as U+FFFD (the RPC's msgpack strings are UTF-8, as Docker's JSON is), `commit` makes an image whose mount shows the same tree, `export` gives a tar GNU tar
 * extracts to that tree, and removing the containers removes their deep upper/ dirs.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { DEEP_FILE, python, snapshotBytes } from '../helpers/byte-tree.js'
import { startDaemon } from '../helpers/daemon.js'
import { downloaded } from '../helpers/download.js'
import { chunks, tar } from '../helpers/tar-builder.js'
import { tmpdir } from '../helpers/tmpdir.js'

/** In the mount: w/caf\xe9, \x80\xff/f\xfe and 20 directories of 200 bytes with a file below (4,094 bytes). */
const MAKE =
  DEEP_FILE +
  String.raw`
m = sys.argv[1].encode()
open(m + b'/w/caf\xe9', 'wb').write(b'latin-1')
os.mkdir(m + b'/\x80\xff')
open(m + b'/\x80\xff/f\xfe', 'wb').write(b'x')
deep_file(m)
`

t.test('diff, commit, export and rm of a container with such names, through stratad', async (t) => {
  const d = await startDaemon(t)
  const c = await d.connect()
  t.teardown(() => c.close())
  await c.call(
    'image.import',
    { ref: 'base:1' },
    { upload: chunks(tar([{ dir: 'w/' }, { file: 'w/seed', body: 's' }])) },
  )
  const { id } = await c.call('container.create', { image: 'base:1', name: 'n1' })
  const { path: mnt } = await c.call('container.mount', { container: 'n1' })
  t.teardown(() => c.call('container.unmount', { container: 'n1', force: true }).catch(() => undefined))
  python(MAKE, mnt)
  const tree = snapshotBytes(mnt)

  // msgpack strings are UTF-8: over RPC each byte that is not UTF-8 arrives as U+FFFD, as Docker's JSON API sends it
  const diff = await c.call('container.diff', { container: 'n1' })
  t.equal(diff.length, 25, 'w, its new file, the directory and its file, 20 deep directories and the deep file')
  const paths = diff.map((ch) => ch.path)
  t.ok(paths.includes('/w/caf\uFFFD') && paths.includes('/\uFFFD\uFFFD/f\uFFFD'), 'each such byte as U+FFFD')
  const deep = paths.find((p) => p.split('/').length === 22) ?? ''
  t.equal(
    Buffer.byteLength(deep.replaceAll('\uFFFD', '?')),
    4095,
    'the deep file, 4,095 bytes with its / (one a U+FFFD)',
  )
  t.same(
    diff.filter((ch) => ch.kind !== 'A').map((ch) => ch.path),
    ['/w'],
  )

  await c.call('container.commit', { container: 'n1', ref: 'n:2' })
  await c.call('container.create', { image: 'n:2', name: 'n2' })
  const { path: mnt2 } = await c.call('container.mount', { container: 'n2' })
  t.teardown(() => c.call('container.unmount', { container: 'n2', force: true }).catch(() => undefined))
  t.same(snapshotBytes(mnt2), tree, 'the committed image shows the same tree')

  const exported = await downloaded((sink) => c.call('container.export', { container: 'n1' }, { download: sink }))
  const out = join(tmpdir(t, 'strata-names-export-'), 'x')
  mkdirSync(out)
  const r = spawnSync('tar', ['-x', '-p', '-C', out], { input: exported })
  t.equal(r.status, 0, r.stderr.toString())
  t.same(snapshotBytes(out), tree, 'GNU tar extracts the exported tree')

  for (const name of ['n1', 'n2']) {
    await c.call('container.unmount', { container: name, force: true })
    await c.call('container.remove', { container: name })
  }
  t.notOk(existsSync(join(d.root, 'containers', id)), "the container's directory is gone")
})
