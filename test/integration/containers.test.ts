/**
 * Containers end to end through a real stratad: Debian's busybox-static imported as an image,
 * a container created and mounted, a shell under chroot (as root and as uid 1000) creating,
 * editing, deleting, renaming, chmod-ing and linking; `diff` against the expected list and
 * against the same script run on kernel overlayfs; `commit`; `image mount` of the new image
 * showing exactly the container's view; save and load on a fresh root giving the same ID;
 * kernel overlayfs over the loaded layers showing the same tree; export; rm and rmi rules.
 */
import { execFileSync } from 'node:child_process'
import { chmodSync, copyFileSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { imageLayerDirs } from '../helpers/layer-dirs.js'
import { changesOf } from '../../daemon/diff/changes.js'
import { readJournal } from '../../daemon/diff/journal.js'
import { downloaded, saveImages } from '../helpers/download.js'
import { startDaemon } from '../helpers/daemon.js'
import { mountKernelOverlay } from '../helpers/kernel-overlay.js'
import { snapshotDir } from '../helpers/snapshot.js'
import { chunks } from '../helpers/tar-builder.js'
import { tmpdir } from '../helpers/tmpdir.js'

/** A small root filesystem: busybox, a few files and directories to change. */
function rootfs(t: Test): { dir: string; tar: Buffer } {
  const dir = join(tmpdir(t, 'strata-rootfs-'), 'rootfs')
  for (const d of ['bin', 'etc', 'data/sub/deep', 'tmp']) mkdirSync(join(dir, d), { recursive: true })
  chmodSync(join(dir, 'tmp'), 0o1777)
  copyFileSync('/bin/busybox', join(dir, 'bin/busybox'))
  for (const l of ['sh', 'echo', 'rm', 'mv', 'chmod', 'ln', 'mkdir', 'cat', 'touch'])
    symlinkSync('busybox', join(dir, 'bin', l))
  writeFileSync(join(dir, 'etc/motd'), 'welcome\n')
  writeFileSync(join(dir, 'etc/gone'), 'to be deleted\n')
  writeFileSync(join(dir, 'etc/a'), 'renamed\n')
  writeFileSync(join(dir, 'etc/perm'), 'mode\n')
  writeFileSync(join(dir, 'data/keep'), 'keep\n')
  writeFileSync(join(dir, 'data/sub/deep/x'), 'x\n')
  execFileSync('touch', [
    '-d',
    '2020-01-01',
    ...['etc/motd', 'etc/gone', 'etc/a', 'etc/perm', 'data/keep'].map((f) => join(dir, f)),
  ])
  return { dir, tar: execFileSync('tar', ['-C', dir, '-cf', '-', '.'], { maxBuffer: 64 * 1024 * 1024 }) }
}

const SCRIPT = [
  'echo new > /new',
  'echo more >> /etc/motd',
  'rm /etc/gone',
  'rm -r /data/sub',
  'mv /etc/a /etc/b',
  'chmod 600 /etc/perm',
  'ln /new /newlink',
  'ln -s /new /newsym',
  'mkdir /newdir',
  'echo inside > /newdir/f',
].join(' && ')
const AS_USER = 'echo mine > /tmp/user-file'

function runIn(root: string): void {
  execFileSync('chroot', [root, '/bin/sh', '-c', SCRIPT])
  execFileSync('chroot', ['--userspec=1000:1000', root, '/bin/sh', '-c', AS_USER])
}

const EXPECTED = [
  'C /data',
  'D /data/sub',
  'C /etc',
  'D /etc/a',
  'A /etc/b',
  'D /etc/gone',
  'C /etc/motd',
  'C /etc/perm',
  'A /new',
  'A /newdir',
  'A /newdir/f',
  'A /newlink',
  'A /newsym',
  'C /tmp',
  'A /tmp/user-file',
]

const lowerDirs = imageLayerDirs

t.test('create, mount, change through chroot, diff, commit, image mount, save/load, export, rm', async (t) => {
  const fs = rootfs(t)
  const scratch = tmpdir(t, 'strata-kernel-')
  const d = await startDaemon(t)
  const c = await d.connect()
  t.teardown(() => c.close())
  const { id: imageId } = await c.call('image.import', { ref: 'bb:1' }, { upload: chunks(fs.tar, 65536) })
  const created = await c.call('container.create', { image: 'bb:1', name: 'c1' })
  t.match(created, { id: /^[0-9a-f]{64}$/, name: 'c1' })
  await t.rejects(c.call('container.create', { image: 'bb:1', name: 'c1' }), {
    code: 'CONFLICT',
    message: /already in use/,
  })
  t.match((await c.call('container.create', { image: 'bb:1' })).name, /^[a-z]+_[a-z]+$/, 'a generated name')
  const { path: mnt } = await c.call('container.mount', { container: 'c1' })
  t.teardown(() =>
    c.call('container.unmount', { container: 'c1', force: true }).then(
      () => undefined,
      () => undefined,
    ),
  )
  t.same(
    await c.call('container.mount', { container: created.id.slice(0, 10) }),
    { path: mnt },
    'the same path, counted',
  )
  runIn(mnt)
  const diff = await c.call('container.diff', { container: 'c1' })
  t.same(
    diff.map((x) => `${x.kind} ${x.path}`),
    EXPECTED,
  )

  // Answered from the worker's journal, which agrees with a walk of the upper directory.
  const lowers = await lowerDirs(c, 'bb:1')
  const cdir = join(d.root, 'containers', created.id)
  t.ok(readJournal(join(cdir, 'journal')), 'the journal is complete')
  t.same(changesOf(join(cdir, 'upper'), lowers), diff, 'a walk of upper/ gives the same')
  // The same script on kernel overlayfs over the same layer: the same changes.
  for (const n of ['upper', 'work']) mkdirSync(join(scratch, n))
  const k = mountKernelOverlay(t, lowers, join(scratch, 'upper'), join(scratch, 'work'), join(scratch, 'mnt'))
  runIn(k.mnt)
  k.unmount()
  t.same(changesOf(join(scratch, 'upper'), lowers), diff, 'kernel overlayfs leaves the same changes')

  const view = snapshotDir(mnt, false)
  const { id: committed } = await c.call('container.commit', {
    container: 'c1',
    ref: 'bb:2',
    author: 'tester',
    message: 'changed things',
    changes: ['CMD ["/bin/sh"]'],
  })
  const inspect = await c.call('image.inspect', { image: 'bb:2' })
  t.match(inspect, {
    Id: committed,
    Parent: imageId,
    Author: 'tester',
    Comment: 'changed things',
    Config: { Cmd: ['/bin/sh'] },
  })
  t.equal((inspect.RootFS as { Layers: string[] }).Layers.length, 2)
  const history = await c.call('image.history', { image: 'bb:2' })
  t.match(history[0], { createdBy: 'strata commit c1', comment: 'changed things' })
  t.same(snapshotDir(mnt, false), view, 'the container still shows the same after commit')
  const { path: imageMnt } = await c.call('image.mount', { image: 'bb:2' })
  t.teardown(() =>
    c.call('image.unmount', { image: 'bb:2', force: true }).then(
      () => undefined,
      () => undefined,
    ),
  )
  const strip = (lines: string[]) => lines.map((l) => l.replace(/ t=\S+/, '').replace(/^\/ dir.*$/, '/'))
  t.same(strip(snapshotDir(imageMnt, false)), strip(view), 'image mount shows exactly the container view')
  await t.rejects(c.call('image.remove', { image: 'bb:2' }), { code: 'CONFLICT', message: /mount/ })
  await c.call('image.unmount', { image: 'bb:2' })

  const saved = await saveImages(c, ['bb:2'])
  const fresh = await startDaemon(t)
  const c2 = await fresh.connect()
  t.teardown(() => c2.close())
  t.same((await c2.call('image.load', {}, { upload: chunks(saved, 65536) })).images, [
    { id: committed, tags: ['bb:2'] },
  ])
  const loaded = await lowerDirs(c2, 'bb:2')
  for (const n of ['u2', 'w2']) mkdirSync(join(scratch, n))
  const k2 = mountKernelOverlay(t, loaded, join(scratch, 'u2'), join(scratch, 'w2'), join(scratch, 'mnt2'))
  t.same(strip(snapshotDir(k2.mnt, false)), strip(view), 'kernel overlayfs over the loaded layers shows the same tree')
  k2.unmount()

  const exported = execFileSync('tar', ['-t'], {
    input: await downloaded((sink) => c.call('container.export', { container: 'c1' }, { download: sink })),
  })
    .toString()
    .split('\n')
  t.ok(exported.includes('newdir/f') && exported.includes('etc/b') && !exported.includes('etc/gone'))

  await t.rejects(c.call('image.remove', { image: imageId }), { code: 'CONFLICT', message: /child images/ })
  await c.call('container.create', { image: 'bb:2', name: 'c3' })
  await t.rejects(c.call('image.remove', { image: 'bb:2' }), {
    code: 'CONFLICT',
    message: /must force\) - container [0-9a-f]{12} is using its referenced image/,
  })
  await t.rejects(c.call('image.remove', { image: committed, force: true }), {
    message:
      /^conflict: unable to delete [0-9a-f]{12} \(cannot be forced\) - image is being used by stopped container [0-9a-f]{12}$/,
  })
  t.same(await c.call('image.remove', { image: 'bb:2', force: true }), [{ Untagged: 'bb:2' }], '-f only untags')
  await c.call('image.prune', { all: true })
  t.ok(await c.call('image.inspect', { image: committed }), 'prune -a leaves an image a container uses')
  await c.call('container.remove', { container: 'c3' })
  await t.rejects(c.call('container.remove', { container: 'c1' }), { code: 'IN_USE' })
  await c.call('container.unmount', { container: 'c1' })
  t.same(
    (await c.call('container.list', {})).map((x) => x.name),
    ['c1'],
    'still mounted once',
  )
  t.same(await c.call('container.unmount', { container: 'c1' }), { mounted: false })
  t.same(await c.call('container.list', {}), [], 'ps shows mounted containers only')
  const all = await c.call('container.list', { all: true, size: true, filters: { ancestor: ['bb:1'] } })
  t.equal(all.length, 2)
  t.ok((all.find((x) => x.name === 'c1')?.sizeRw ?? 0) > 0)
  const { id: empty } = await c.call('container.commit', { container: all.find((x) => x.name !== 'c1')?.id ?? '' })
  t.match(
    await c.call('image.history', { image: empty }),
    [{ size: 0 }],
    'an unchanged container commits an empty layer',
  )
  t.equal(
    ((await c.call('image.inspect', { image: empty })).RootFS as { Layers: string[] }).Layers.length,
    1,
    'and no new layer',
  )
  for (const x of all) await c.call('container.remove', { container: x.id })
  t.same(await c.call('image.remove', { image: 'bb:1' }), [{ Untagged: 'bb:1' }], 'a parent by name is only untagged')
  t.ok(await c.call('image.inspect', { image: imageId }), 'and stays as an intermediate image')
  t.same((await c.call('system.fsck', {})).problems, [])
})
