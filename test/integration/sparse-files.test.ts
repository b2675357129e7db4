/**
 * Issue 15 item 2, through a real stratad and a real mount: an image imported from a
 * `tar --sparse` with a 512 MiB file that is nearly all hole. Appending to it through the mount
 * copies it up without filling the hole; committing the container gives a layer that keeps it,
 * `save` writes it as a sparse entry and `load` on a fresh data root gives it back as small, and
 * `export` of the container is a small tar that GNU tar extracts whole.
 */
import { execFileSync } from 'node:child_process'
import {
  appendFileSync,
  closeSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from 'node:fs'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { imageLayerDirs } from '../helpers/layer-dirs.js'
import type { StrataClient } from '../../client/client.js'
import { startDaemon, type Daemon } from '../helpers/daemon.js'
import { downloaded, saveImages } from '../helpers/download.js'
import { chunks } from '../helpers/tar-builder.js'
import { tmpdir } from '../helpers/tmpdir.js'

const MiB = 1024 * 1024
const SIZE = 512 * MiB
/** What the file may take on disk anywhere it is stored: its data is a few bytes. */
const SMALL = MiB

async function client(t: Test, d: Daemon): Promise<StrataClient> {
  const c = await d.connect()
  t.teardown(() => c.close())
  return c
}

/** A layer tar made by GNU tar --sparse: sp/holey is 512 MiB of hole, then "tail\n". */
function sparseTar(t: Test): Buffer {
  const dir = tmpdir(t, 'strata-sparse-src-')
  mkdirSync(join(dir, 'sp'))
  writeFileSync(join(dir, 'sp/holey'), '')
  truncateSync(join(dir, 'sp/holey'), SIZE)
  appendFileSync(join(dir, 'sp/holey'), 'tail\n')
  return execFileSync('tar', ['--sparse', '--format=posix', '-C', dir, '-cf', '-', 'sp'], { maxBuffer: 64 * MiB })
}

/** `length` bytes of the file at `at` (an error if it is shorter). */
function readAt(path: string, at: number, length: number): Buffer {
  const fd = openSync(path, 'r')
  try {
    const b = Buffer.alloc(length)
    for (let n = 0; n < length;) n += readSync(fd, b, n, length - n, at + n)
    return b
  } finally {
    closeSync(fd)
  }
}

const allocated = (path: string): number => lstatSync(path).blocks * 512

/** The holey file in the topmost layer of the image that has one. */
async function layerFile(c: StrataClient, image: string): Promise<string> {
  const dirs = await imageLayerDirs(c, image)
  const found = dirs.map((d) => join(d, 'sp/holey')).filter((p) => lstatSync(p, { throwIfNoEntry: false }))
  return found[0] as string
}

t.test('a sparse file stays sparse: copy-up, commit, save and load, export', async (t) => {
  const archive = sparseTar(t)
  t.ok(archive.length < 64 * 1024, `GNU tar's sparse tar is ${archive.length} bytes`)
  const d = await startDaemon(t)
  const c = await client(t, d)
  await c.call('image.import', { ref: 'sp:1' }, { upload: chunks(archive, 65536) })
  const { id } = await c.call('container.create', { image: 'sp:1', name: 'sp1' })
  const { path: mnt } = await c.call('container.mount', { container: 'sp1' })
  t.teardown(() => c.call('container.unmount', { container: 'sp1', force: true }).catch(() => undefined))

  // fsync'ed: a durable copy-up reaches upper/ once synced (docs/decisions.md), and this reads upper/ directly
  const fd = openSync(join(mnt, 'sp/holey'), 'a')
  writeSync(fd, 'more\n')
  fsyncSync(fd)
  closeSync(fd)
  const upper = join(d.root, 'containers', id, 'upper/sp/holey')
  t.equal(lstatSync(upper).size, SIZE + 10)
  t.ok(allocated(upper) < SMALL, `the copied-up file takes ${allocated(upper)} bytes, want < 1 MiB`)
  t.equal(readAt(join(mnt, 'sp/holey'), SIZE, 10).toString(), 'tail\nmore\n', 'the data is there')
  t.ok(readAt(join(mnt, 'sp/holey'), 100 * MiB, 64 * 1024).equals(Buffer.alloc(64 * 1024)), 'the hole reads zeros')

  await c.call('container.commit', { container: 'sp1', ref: 'sp:2' })
  const committed = await layerFile(c, 'sp:2')
  t.equal(lstatSync(committed).size, SIZE + 10)
  t.ok(allocated(committed) < SMALL, `the committed layer's file takes ${allocated(committed)} bytes`)

  const saved = await saveImages(c, ['sp:2'])
  t.ok(saved.length < SMALL, `the saved archive is ${saved.length} bytes`)
  const d2 = await startDaemon(t)
  const c2 = await client(t, d2)
  await c2.call('image.load', {}, { upload: chunks(saved, 65536) })
  const reloaded = await layerFile(c2, 'sp:2')
  t.ok(allocated(reloaded) < SMALL, `after save and load it takes ${allocated(reloaded)} bytes`)
  t.equal(readAt(reloaded, SIZE, 10).toString(), 'tail\nmore\n')
  t.same(
    (await c2.call('image.inspect', { image: 'sp:2' })).RootFS,
    (await c.call('image.inspect', { image: 'sp:2' })).RootFS,
    'the same diffIDs',
  )

  const exported = await downloaded((sink) => c.call('container.export', { container: 'sp1' }, { download: sink }))
  t.ok(exported.length < SMALL, `the exported tar is ${exported.length} bytes`)
  const out = tmpdir(t, 'strata-sparse-export-')
  writeFileSync(join(out, 'export.tar'), exported)
  execFileSync('tar', ['-x', '-C', out, '-f', join(out, 'export.tar'), 'sp/holey'])
  t.equal(lstatSync(join(out, 'sp/holey')).size, SIZE + 10)
  t.equal(readAt(join(out, 'sp/holey'), SIZE, 10).toString(), 'tail\nmore\n', 'GNU tar extracts it whole')
  t.ok(allocated(join(out, 'sp/holey')) < SMALL, 'and sparse')
})
