/**
 * The deterministic tar of an upper directory (daemon/diff/upper-tar.ts) against kernel
 * overlayfs: changes made through a kernel overlay mount (edits, deletions that leave
 * whiteouts, a directory deleted and made again, so opaque, hard links, symlinks, a fifo,
 * xattrs, chmod) are tarred; the tar lists in sorted order, GNU tar reads it, the same tree
 * gives the same bytes, and applied as a layer it shows the same merged tree under overlayfs.
 * The layer commit makes by copying the tree (daemon/diff/upper-layer.ts) is the layer that tar
 * gives: the same diffID, size, entries, tree, and exported bytes. Sockets have no tar type: the
 * tar, the copied layer and a container's merged tar (daemon/diff/merged-tar.ts) leave them out.
 * A file with holes leaves as a sparse entry that GNU tar reads back (issue 15), and the copied
 * layer keeps its holes. A big file's copy gives the event loop turns, as a paused commit's lease needs.
 */
import { execFileSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import {
  chmodSync,
  chownSync,
  closeSync,
  existsSync,
  ftruncateSync,
  lchownSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
  writeSync,
} from 'node:fs'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { mergedTar } from '../../daemon/diff/merged-tar.js'
import { copyUpper } from '../../daemon/diff/upper-layer.js'
import { applyTar } from '../../daemon/layers/apply-tar.js'
import { exportTar } from '../../daemon/layers/export-tar.js'
import { LayerStore } from '../../daemon/layers/layer-store.js'
import { createLogger } from '../../daemon/log.js'
import { Db } from '../../daemon/store/db.js'
import { upperTar } from '../../daemon/diff/upper-tar.js'
import { readSplit, SplitRecorder } from '../../daemon/tar/tar-split.js'
import { constants, lsetxattr, mknodat } from '../../native-bindings/index.js'
import { mountKernelOverlay } from '../helpers/kernel-overlay.js'
import { snapshotDir } from '../helpers/snapshot.js'
import { tmpdir } from '../helpers/tmpdir.js'

async function bytesOf(it: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = []
  for await (const b of it) parts.push(b)
  return Buffer.concat(parts)
}

function lowerTree(root: string): void {
  mkdirSync(join(root, 'etc'), { recursive: true })
  writeFileSync(join(root, 'etc/a'), 'a')
  writeFileSync(join(root, 'etc/b'), 'b')
  mkdirSync(join(root, 'd/sub'), { recursive: true })
  writeFileSync(join(root, 'd/x'), 'x')
  writeFileSync(join(root, 'd/sub/y'), 'y')
  writeFileSync(join(root, 'keep'), 'keep')
}

/** An upper/ made by kernel overlayfs from changes to lowerTree, and the merged view it gave. */
function kernelUpper(t: Test, base: string): { lower: string; upper: string; merged: string[] } {
  const [lower, upper, work, mnt] = ['lower', 'upper', 'work', 'mnt'].map((n) => join(base, n)) as [
    string,
    string,
    string,
    string,
  ]
  for (const d of [lower, upper, work]) mkdirSync(d)
  lowerTree(lower)
  const k = mountKernelOverlay(t, [lower], upper, work, mnt)
  writeFileSync(join(mnt, 'etc/a'), 'changed')
  rmSync(join(mnt, 'etc/b'))
  rmSync(join(mnt, 'd'), { recursive: true })
  mkdirSync(join(mnt, 'd'))
  writeFileSync(join(mnt, 'd/new'), 'new')
  linkSync(join(mnt, 'd/new'), join(mnt, 'd/new-link'))
  symlinkSync('../etc/a', join(mnt, 'd/sym'))
  execFileSync('mkfifo', [join(mnt, 'fifo')])
  lsetxattr(join(mnt, 'keep'), 'user.note', 'hello')
  chmodSync(join(mnt, 'keep'), 0o600)
  mkdirSync(join(mnt, 'zz/deep/er'), { recursive: true })
  writeFileSync(join(mnt, 'zz/deep/er/f'), 'f'.repeat(3000))
  const merged = snapshotDir(mnt, false)
  k.unmount()
  return { lower, upper, merged }
}

/** The layer of upper/'s tar and the layer copyUpper makes of it, staged in a scratch store. */
async function stagedBoth(t: Parameters<typeof tmpdir>[0], upper: string) {
  const root = tmpdir(t, 'strata-dirtar-store-')
  mkdirSync(join(root, 'tmp'))
  const db = await Db.open(root)
  t.teardown(() => db.close())
  const layers = new LayerStore(
    root,
    db,
    createLogger('error', 'test', () => undefined),
  )
  const tarred = await layers.stage(null, upperTar(upper))
  const copied = await layers.stageFrom(null, (diff, split) => copyUpper(upper, diff, split))
  t.teardown(() => layers.discard([tarred, copied]))
  const { createdAt: _a, ...fromTar } = tarred.layer
  const { createdAt: _b, ...fromCopy } = copied.layer
  return { tarred, copied, fromTar, fromCopy }
}

t.test('an upper directory leaves as a deterministic OCI layer that overlayfs merges the same', async (t) => {
  const base = tmpdir(t, 'strata-dirtar-')
  const { lower, upper, merged } = kernelUpper(t, base)
  const archive = await bytesOf(upperTar(upper))
  t.ok((await bytesOf(upperTar(upper))).equals(archive), 'the same tree gives the same bytes')
  const names = execFileSync('tar', ['-t'], { input: archive }).toString().trim().split('\n')
  const sorted = [...names].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
  t.same(names, sorted, 'entries in sorted order, parents first')
  t.ok(names.includes('etc/.wh.b'), 'a whiteout leaves as .wh.NAME')
  t.ok(names.includes('d/.wh..wh..opq'), 'an opaque directory leaves with its marker')
  t.notOk(
    names.some((n) => n.includes('work')),
    'nothing of overlay bookkeeping',
  )
  const listing = execFileSync('tar', ['-tv'], { input: archive }).toString()
  t.match(listing, /^hrw-r--r-- .* d\/new-link link to d\/new$/m, 'the second name of an inode is a hard link')

  const applied = join(base, 'applied')
  mkdirSync(applied)
  await applyTar(
    applied,
    (async function* () {
      yield archive
    })(),
    { maxBytes: 1e8, maxEntries: 1000 },
    new SplitRecorder(),
  )
  const again = join(base, 'mnt2')
  mkdirSync(join(base, 'work2'))
  mkdirSync(join(base, 'u2'))
  // Both layers as lowers, the applied one on top (an empty upper).
  const k2 = mountKernelOverlay(t, [applied, lower], join(base, 'u2'), join(base, 'work2'), again)
  const strip = (lines: string[]) => lines.map((l) => l.replace(/ t=\S+/, ''))
  t.same(strip(snapshotDir(again, false)), strip(merged), 'overlayfs shows the same tree')
  k2.unmount()
})

t.test('copying an upper directory gives the layer its tar gives', async (t) => {
  const base = tmpdir(t, 'strata-dirtar-')
  const { upper } = kernelUpper(t, base)
  // What else a container's upper/ can hold; written straight into it (it is a plain directory now).
  writeFileSync(join(upper, 'big'), randomBytes(3 * 1024 * 1024 + 17))
  writeFileSync(join(upper, 'empty'), '')
  writeFileSync(join(upper, `long-${'n'.repeat(150)}`), 'a PAX path')
  symlinkSync(`/${'t'.repeat(120)}`, join(upper, 'long-target'))
  writeFileSync(join(upper, 'setuid'), '#!/bin/sh\n')
  lchownSync(join(upper, 'setuid'), 1000, 1000)
  chmodSync(join(upper, 'setuid'), 0o4755)
  mkdirSync(join(upper, 'owned'), 0o750)
  chownSync(join(upper, 'owned'), 1000, 100)
  writeFileSync(join(upper, 'owned/huge-uid'), 'x')
  lchownSync(join(upper, 'owned/huge-uid'), 3_000_000, 3_000_000)
  lsetxattr(join(upper, 'owned'), 'trusted.overlay.overlay.mine', 'escaped by overlay, the user set it')
  lsetxattr(join(upper, 'owned'), 'security.capability', Buffer.from('0100000200000000000000000000000000000000', 'hex'))
  mknodat(constants.AT_FDCWD, join(upper, 'tty'), constants.S_IFCHR | 0o620, 5, 0)
  utimesSync(join(upper, 'empty'), 1_700_000_000.75, 1_600_000_000.25)
  const sparse = sparseFiles(upper)
  const archive = await bytesOf(upperTar(upper))
  t.ok(archive.length < 4 * MiB, `the tar of 3 MiB of data and 172 MiB of holes is ${archive.length} bytes`)
  const { tarred, copied, fromTar, fromCopy } = await stagedBoth(t, upper)
  t.same(fromCopy, fromTar, 'the same diffID, size, entries and disk usage')
  t.same(snapshotDir(join(copied.dir, 'diff'), true), snapshotDir(join(tarred.dir, 'diff'), true), 'the same tree')
  const exported = (dir: string) =>
    bytesOf(exportTar(join(dir, 'diff'), readSplit(readFileSync(join(dir, 'tar-split.gz')))))
  t.ok((await exported(copied.dir)).equals(archive), 'its tar-split gives back the tar')
  t.ok((await exported(tarred.dir)).equals(archive))
  for (const [name, content] of sparse) {
    const st = lstatSync(join(copied.dir, 'diff', name))
    t.ok(st.blocks * 512 < MiB, `${name} takes ${st.blocks * 512} bytes in the copied layer, want < 1 MiB`)
    t.equal(sha(readFileSync(join(copied.dir, 'diff', name))), sha(content), `${name}: the same bytes`)
  }
  const extracted = join(base, 'gnu')
  mkdirSync(extracted)
  execFileSync('tar', ['-x', '-C', extracted], { input: archive })
  for (const [name, content] of sparse) {
    t.equal(sha(readFileSync(join(extracted, name))), sha(content), `GNU tar extracts ${name} whole`)
    t.ok(lstatSync(join(extracted, name)).blocks * 512 < MiB, `GNU tar keeps ${name} sparse`)
  }
})

const MiB = 1024 * 1024
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex')

/** Files with holes written into `dir`: in the middle and at the end, at the start, and nothing but a hole. */
function sparseFiles(dir: string): Map<string, Buffer> {
  const made = new Map<string, Buffer>()
  for (const [name, size, data] of [
    [
      'sparse/middle',
      64 * MiB,
      [
        [MiB, randomBytes(5000)],
        [40 * MiB + 3, randomBytes(70_000)],
      ],
    ],
    ['sparse/ends-with-data', 100 * MiB, [[100 * MiB - 5, Buffer.from('tail\n')]]],
    ['sparse/only-a-hole', 8 * MiB, []],
  ] as Array<[string, number, Array<[number, Buffer]>]>) {
    mkdirSync(join(dir, 'sparse'), { recursive: true })
    const fd = openSync(join(dir, name), 'w')
    ftruncateSync(fd, size)
    for (const [at, b] of data) writeSync(fd, b, 0, b.length, at)
    closeSync(fd)
    made.set(name, readFileSync(join(dir, name)))
  }
  return made
}

t.test('a socket is left out of the tar, of the copied layer and of the merged tar', async (t) => {
  const base = tmpdir(t, 'strata-dirtar-')
  const [lower, upper] = [join(base, 'lower'), join(base, 'upper')]
  mkdirSync(lower)
  mkdirSync(join(upper, 'run'), { recursive: true })
  writeFileSync(join(lower, 'keep'), 'keep')
  mknodat(constants.AT_FDCWD, join(lower, 'lower.sock'), constants.S_IFSOCK | 0o755, 0, 0)
  mknodat(constants.AT_FDCWD, join(upper, 'run/app.sock'), constants.S_IFSOCK | 0o755, 0, 0)
  linkSync(join(upper, 'run/app.sock'), join(upper, 'run/app2.sock'))
  writeFileSync(join(upper, 'run/app.pid'), '1')
  execFileSync('mkfifo', [join(upper, 'fifo')])
  const names = (archive: Buffer) => execFileSync('tar', ['-t'], { input: archive }).toString().trim().split('\n')
  const archive = await bytesOf(upperTar(upper))
  t.same(names(archive), ['fifo', 'run/', 'run/app.pid'], 'the tar of the upper directory')
  t.same(names(await bytesOf(mergedTar(upper, [lower]))), ['fifo', 'keep', 'run/', 'run/app.pid'], 'the merged tar')
  t.match(
    execFileSync('tar', ['-tv'], { input: archive }).toString(),
    /^prw-r--r-- .* fifo$/m,
    'a fifo is still a fifo',
  )

  const { tarred, copied, fromTar, fromCopy } = await stagedBoth(t, upper)
  t.same(fromCopy, fromTar, 'the copied layer is the layer of the tar')
  t.notOk(existsSync(join(copied.dir, 'diff/run/app.sock')), 'no socket in the copied layer')
  t.same(snapshotDir(join(copied.dir, 'diff'), true), snapshotDir(join(tarred.dir, 'diff'), true), 'the same tree')
})

t.test("a big file's copy gives the event loop turns (a commit's pause lease is renewed by a timer)", async (t) => {
  const base = tmpdir(t, 'strata-upper-turns-')
  const upper = join(base, 'upper')
  const diff = join(base, 'diff')
  mkdirSync(upper)
  mkdirSync(diff)
  // 128 MiB of data (not holes): hashing and writing it take far longer than one 20 ms turn.
  const fd = openSync(join(upper, 'big'), 'w')
  const chunk = Buffer.alloc(1 << 20, 0x61)
  for (let i = 0; i < 128; i++) writeSync(fd, chunk)
  closeSync(fd)
  let ticks = 0
  const timer = setInterval(() => ticks++, 1)
  try {
    await copyUpper(upper, diff, new SplitRecorder())
  } finally {
    clearInterval(timer)
  }
  t.ok(ticks > 0, `a timer ran while the one file was copied (${ticks} times)`)
  t.equal(statSync(join(diff, 'big')).size, 128 << 20)
})
