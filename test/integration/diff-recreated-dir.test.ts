/**
 * Issue 14 item 5, through a real stratad and its mount: an image has /opt/app/VERSION and
 * /opt/app/bin/app2; in the container `rm -rf /opt/app && mkdir -p /opt/app/bin && echo version=3
 * > /opt/app/VERSION` leaves /opt/app opaque in upper/, as kernel overlayfs does. `diff` (the RPC
 * and the CLI) compares the image's tree with the container's: C for what was there and is again,
 * D for app2, never A; the journal, a walk of upper/ and kernel overlayfs's upper/ all agree. The
 * commit keeps the opaque directory: the layer's tar has the marker and app2 stays hidden in the
 * committed image, its mount and kernel overlayfs over its layers.
 */
import { execFile, execFileSync } from 'node:child_process'
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t, { type Test } from 'tap'
import { imageLayerDirs } from '../helpers/layer-dirs.js'
import { changesOf } from '../../daemon/diff/changes.js'
import { readJournal } from '../../daemon/diff/journal.js'
import { isOpaque } from '../../daemon/overlay/opaque.js'
import { startDaemon, STRATA_CLI } from '../helpers/daemon.js'
import { saveImages } from '../helpers/download.js'
import { mountKernelOverlay } from '../helpers/kernel-overlay.js'
import { chunks } from '../helpers/tar-builder.js'
import { tmpdir } from '../helpers/tmpdir.js'

const SCRIPT = 'rm -rf /opt/app && mkdir -p /opt/app/bin && echo version=3 > /opt/app/VERSION'

const EXPECTED = ['C /opt', 'C /opt/app', 'C /opt/app/VERSION', 'C /opt/app/bin', 'D /opt/app/bin/app2']

/** busybox (for the shell under chroot) and the application directory the script replaces. */
function rootfs(t: Test): Buffer {
  const dir = join(tmpdir(t, 'strata-rootfs-'), 'rootfs')
  for (const d of ['bin', 'opt/app/bin']) mkdirSync(join(dir, d), { recursive: true })
  copyFileSync('/bin/busybox', join(dir, 'bin/busybox'))
  for (const l of ['sh', 'rm', 'mkdir', 'echo']) symlinkSync('busybox', join(dir, 'bin', l))
  writeFileSync(join(dir, 'opt/app/VERSION'), 'version=2\n')
  writeFileSync(join(dir, 'opt/app/bin/app2'), '#!/bin/sh\necho app2\n')
  chmodSync(join(dir, 'opt/app/bin/app2'), 0o755)
  return execFileSync('tar', ['-C', dir, '-cf', '-', '.'], { maxBuffer: 64 * 1024 * 1024 })
}

const lines = (changes: { kind: string; path: string }[]) => changes.map((x) => `${x.kind} ${x.path}`)

t.test('diff of a directory removed and made again: C, and D for what it no longer has', async (t) => {
  const scratch = tmpdir(t, 'strata-issue14-')
  const d = await startDaemon(t)
  const c = await d.connect()
  t.teardown(() => c.close())
  await c.call('image.import', { ref: 'app:2' }, { upload: chunks(rootfs(t), 65536) })
  const { id } = await c.call('container.create', { image: 'app:2', name: 'C' })
  const { path: mnt } = await c.call('container.mount', { container: 'C' })
  t.teardown(() =>
    c.call('container.unmount', { container: 'C', force: true }).then(
      () => undefined,
      () => undefined,
    ),
  )
  execFileSync('chroot', [mnt, '/bin/sh', '-c', SCRIPT])
  const upper = join(d.root, 'containers', id, 'upper')
  t.ok(isOpaque(join(upper, 'opt/app'), 'trusted'), 'upper/opt/app is opaque, as kernel overlayfs leaves it')

  const diff = await c.call('container.diff', { container: 'C' })
  t.same(lines(diff), EXPECTED)
  const cli = await promisify(execFile)(process.execPath, [STRATA_CLI, '-H', d.socket, 'diff', 'C'])
  t.same(cli.stdout.trim().split('\n'), EXPECTED, 'strata diff C prints the same')
  t.ok(readJournal(join(d.root, 'containers', id, 'journal')), 'answered from a complete journal')
  const lowers = await imageLayerDirs(c, 'app:2')
  t.same(changesOf(upper, lowers), diff, 'a walk of upper/ gives the same')
  for (const n of ['upper', 'work']) mkdirSync(join(scratch, n))
  const k = mountKernelOverlay(t, lowers, join(scratch, 'upper'), join(scratch, 'work'), join(scratch, 'mnt'))
  execFileSync('chroot', [k.mnt, '/bin/sh', '-c', SCRIPT])
  k.unmount()
  t.same(changesOf(join(scratch, 'upper'), lowers), diff, 'kernel overlayfs leaves the same changes')

  // Commit: the opaque directory hides the image's /opt/app in the new layer too.
  const { id: committed } = await c.call('container.commit', { container: 'C', ref: 'app:3' })
  const { path: view } = await c.call('image.mount', { image: 'app:3' })
  t.teardown(() =>
    c.call('image.unmount', { image: 'app:3', force: true }).then(
      () => undefined,
      () => undefined,
    ),
  )
  t.notOk(existsSync(join(view, 'opt/app/bin/app2')), 'app2 is gone in the committed image')
  t.equal(readFileSync(join(view, 'opt/app/VERSION'), 'utf8'), 'version=3\n')
  await c.call('image.unmount', { image: 'app:3' })

  const layers = ((await c.call('image.inspect', { image: committed })).RootFS as { Layers: string[] }).Layers
  t.equal(layers.length, 2, 'one new layer')
  const archive = join(scratch, 'saved')
  mkdirSync(archive)
  execFileSync('tar', ['-C', archive, '-xf', '-'], { input: await saveImages(c, ['app:3']) })
  const top = join(archive, 'blobs/sha256', (layers[1] as string).replace('sha256:', ''))
  t.same(
    execFileSync('tar', ['-tf', top], { encoding: 'utf8' }).trim().split('\n'),
    ['opt/', 'opt/app/', 'opt/app/.wh..wh..opq', 'opt/app/VERSION', 'opt/app/bin/'],
    "the layer's tar: the opaque marker, the new entries, nothing of the image's",
  )
  const committedLowers = await imageLayerDirs(c, committed)
  for (const n of ['u2', 'w2']) mkdirSync(join(scratch, n))
  const k2 = mountKernelOverlay(t, committedLowers, join(scratch, 'u2'), join(scratch, 'w2'), join(scratch, 'mnt2'))
  t.notOk(existsSync(join(k2.mnt, 'opt/app/bin/app2')), 'kernel overlayfs over the committed layers hides app2')
  t.ok(existsSync(join(k2.mnt, 'bin/busybox')), 'and shows the rest of the image')
  k2.unmount()
  t.same((await c.call('system.fsck', {})).problems, [])
})
