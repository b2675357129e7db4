/**
 * The deterministic tar of an upper directory (daemon/diff/upper-tar.ts) against kernel
 * overlayfs: changes made through a kernel overlay mount (edits, deletions that leave
 * whiteouts, a directory deleted and made again, so opaque, hard links, symlinks, a fifo,
 * xattrs, chmod) are tarred; the tar lists in sorted order, GNU tar reads it, the same tree
 * gives the same bytes, and applied as a layer it shows the same merged tree under overlayfs.
 */
import { execFileSync } from 'node:child_process'
import { chmodSync, linkSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { applyTar } from '../../daemon/layers/apply-tar.js'
import { upperTar } from '../../daemon/diff/upper-tar.js'
import { SplitRecorder } from '../../daemon/layers/tar-split.js'
import { lsetxattr } from '../../native-bindings/index.js'
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

t.test('an upper directory leaves as a deterministic OCI layer that overlayfs merges the same', async (t) => {
  const base = tmpdir(t, 'strata-dirtar-')
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
