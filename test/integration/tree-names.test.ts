/**
 * Names of any bytes and paths deeper than PATH_MAX in a container's upper/ (what the FUSE engine
 * now lets a container make: overlay/names.ts, overlay/backing-fs.ts) survive diff, commit and
 * export byte for byte. The trees are made and read by python3 (test/helpers/byte-tree.ts), never
 * by the code under test:
 * - commit: the tar of upper/ (upper-tar.ts) and the layer copied from it (upper-layer.ts) have
 *   the same diffID; the copied layer's tar-split gives that tar back (export-tar.ts); the tar
 *   applied (apply-tar.ts) and extracted by GNU tar give upper/'s tree: names, types, modes,
 *   owners, links, contents, mtimes, user xattrs.
 * - diff (changes.ts): every change, at its path's bytes, by a walk and by the journal.
 * - the layer store (layer-store.ts) stages both, measures them (disk-usage.ts) and removes them.
 * - export (merged-tar.ts): GNU tar extracts the merged view kernel overlayfs shows of the layer
 *   over its lower.
 */
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { changesOf } from '../../daemon/diff/changes.js'
import { JournalWriter, readJournal } from '../../daemon/diff/journal.js'
import { LayerStore } from '../../daemon/layers/layer-store.js'
import { createLogger } from '../../daemon/log.js'
import { Db } from '../../daemon/store/db.js'
import { mergedTar } from '../../daemon/diff/merged-tar.js'
import { copyUpper } from '../../daemon/diff/upper-layer.js'
import { upperTar } from '../../daemon/diff/upper-tar.js'
import { applyTar } from '../../daemon/layers/apply-tar.js'
import { exportTar } from '../../daemon/layers/export-tar.js'
import { decodeName, encodeName } from '../../daemon/overlay/names.js'
import { readSplit, SplitRecorder } from '../../daemon/tar/tar-split.js'
import { DEEP_FILE, python, reprs, snapshotBytes } from '../helpers/byte-tree.js'
import { mountKernelOverlay } from '../helpers/kernel-overlay.js'
import { tmpdir } from '../helpers/tmpdir.js'

/** lower/ and upper/ (upper/ in overlay format: a whiteout hides a lower file). */
const BUILD =
  DEEP_FILE +
  String.raw`
lower, upper = sys.argv[1].encode(), sys.argv[2].encode()
T = 1500000000
def f(path, data=b'', mode=0o644):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    os.write(fd, data); os.close(fd); os.chmod(path, mode)
os.mkdir(lower + b'/etc')
f(lower + b'/etc/old\xe9', b'old')
f(lower + b'/etc/keep', b'keep')
os.mkdir(upper + b'/etc')
os.mknod(upper + b'/etc/old\xe9', 0o600 | 0o020000, 0)
f(upper + b'/etc/n\xc3', b'new in etc')
f(upper + b'/caf\xe9', b'latin-1 name', 0o640)
os.setxattr(upper + b'/caf\xe9', 'user.note', b'v\x80')
os.mkdir(upper + b'/\x80\xff', 0o750); os.chmod(upper + b'/\x80\xff', 0o750)
f(upper + b'/\x80\xff/f\xfe', b'in a non-UTF-8 dir')
os.link(upper + b'/\x80\xff/f\xfe', upper + b'/\x80\xff/hard\x80')
os.chown(upper + b'/\x80\xff/f\xfe', 1234, 5678)
f(upper + b'/' + b'n' * 253 + b'\x80\xff', b'255 bytes')
os.symlink(b'../t\xff' + b'x' * 120, upper + b'/sym\x80')
os.mkfifo(upper + b'/fifo\x81')
f(upper + b'/sparse\xfd', b'head')
os.truncate(upper + b'/sparse\xfd', 1 << 20)
# A path of 4,094 bytes below upper/ (the most a tar path may be), past PATH_MAX with upper/ on top.
depth, last = deep_file(upper)
for top in (lower, upper):
    for dirpath, dirnames, filenames, dfd in os.fwalk(top, topdown=False, follow_symlinks=False):
        for n in filenames + dirnames:
            os.utime(n, ns=(T * 10**9, T * 10**9), dir_fd=dfd, follow_symlinks=False)
sys.stdout.buffer.write(depth + last)
`

async function bytesOf(it: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = []
  for await (const b of it) parts.push(b)
  return Buffer.concat(parts)
}

const once = (b: Buffer) =>
  (async function* () {
    yield b
  })()

/** GNU tar -x of `archive` into a new directory `dir`, owners, modes and user xattrs kept. */
function gnuExtract(t: Test, archive: Buffer, dir: string): void {
  mkdirSync(dir)
  const r = spawnSync('tar', ['-x', '-p', '--xattrs', '--xattrs-include=user.*', '-C', dir], { input: archive })
  t.equal(r.status, 0, 'GNU tar extracts it')
  t.equal(r.stderr.toString(), '', 'without a warning')
}

t.test('names of any bytes and paths past PATH_MAX survive commit, diff and export', async (t) => {
  const base = tmpdir(t, 'strata-tree-names-')
  const [lower, upper, applied, copied, gnu] = ['lower', 'upper', 'applied', 'copied', 'gnu'].map((n) =>
    join(base, n),
  ) as [string, string, string, string, string]
  for (const d of [lower, upper, applied, copied]) mkdirSync(d)
  const deep = decodeName(python(BUILD, lower, upper))
  t.ok(encodeName(join(upper, deep)).length > 4096, 'the deep path is past PATH_MAX below upper/')
  const tree = snapshotBytes(upper)
  t.ok(tree.length > 25, 'upper/ holds the names')

  // commit: the tar of upper/ and the layer copied from it
  const archive = await bytesOf(upperTar(upper))
  const split = new SplitRecorder()
  const summary = await copyUpper(upper, copied, split)
  t.equal(summary.diffId, `sha256:${createHash('sha256').update(archive).digest('hex')}`, 'one diffID')
  t.same(snapshotBytes(copied), tree, 'the copied layer is upper/, byte for byte')
  const exported = await bytesOf(exportTar(copied, readSplit(split.finish())))
  t.ok(exported.equals(archive), "the layer's tar-split gives its tar back")

  // the store: commit's stageFrom and import's stage give one layer, measured, and removed again
  const store = join(base, 'store')
  mkdirSync(join(store, 'tmp'), { recursive: true })
  const db = await Db.open(store)
  t.teardown(() => db.close())
  const layers = new LayerStore(
    store,
    db,
    createLogger('error', 'test', () => undefined),
  )
  const fromCopy = await layers.stageFrom(null, (diff, sp) => copyUpper(upper, diff, sp))
  const fromTar = await layers.stage(null, once(archive))
  t.equal(fromCopy.layer.diffId, summary.diffId)
  t.equal(fromTar.layer.diffId, summary.diffId)
  t.equal(fromCopy.layer.contentBytes, fromTar.layer.contentBytes, 'both measured alike')
  t.same(snapshotBytes(join(fromTar.dir, 'diff')), tree, 'the imported layer is upper/')
  layers.discard([fromCopy, fromTar])
  t.same(
    python('import os, sys; print(os.listdir(sys.argv[1]))', join(store, 'tmp')).toString().trim(),
    '[]',
    'removed',
  )

  // the layer tar unpacked: by apply-tar, and by GNU tar as the oracle
  await applyTar(applied, once(archive), { maxBytes: 1e8, maxEntries: 1000 }, new SplitRecorder())
  t.same(snapshotBytes(applied), tree, 'applied, the tar gives upper/ again')
  gnuExtract(t, archive, gnu)
  const whiteout = (l: string) => / whiteout$/.test(l)
  t.same(
    snapshotBytes(gnu).filter((l) => !l.includes('.wh.')),
    tree.filter((l) => !whiteout(l)),
    'GNU tar extracts the same tree (its whiteout aside)',
  )
  t.ok(
    snapshotBytes(gnu).some((l) => l.startsWith(`b'etc/.wh.old\\xe9' file`)),
    'the whiteout leaves as .wh. and its bytes',
  )

  // diff: a walk of upper/, and the journal
  const added = tree.filter((l) => !whiteout(l) && !l.startsWith("b'etc' "))
  const expected = [
    ...added.map((l) => ({ kind: 'A', path: l.slice(0, l.indexOf(' ')) })),
    { kind: 'C', path: "b'etc'" },
    { kind: 'A', path: "b'etc/n\\xc3'" },
    { kind: 'D', path: "b'etc/old\\xe9'" },
  ].filter((c, i, all) => all.findIndex((d) => d.path === c.path) === i)
  const shownChanges = (cs: Array<{ kind: string; path: string }>) => {
    const paths = reprs(cs.map((c) => encodeName(c.path.slice(1))))
    return cs
      .map((c, i) => ({ kind: c.kind, path: paths[i] as string }))
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
  }
  const walked = changesOf(upper, [lower])
  t.same(
    shownChanges(walked),
    expected.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
    'diff names every change at its bytes',
  )
  t.same(JSON.parse(JSON.stringify(walked)), walked, 'the changes cross JSON (RPC) unchanged')
  const journalFile = join(base, 'journal')
  const empty = join(base, 'empty')
  mkdirSync(empty)
  const journal = new JournalWriter(journalFile, empty)
  for (const c of walked) journal.note(c.path.slice(1))
  t.same(changesOf(upper, [lower], 'trusted', readJournal(journalFile)), walked, 'the journal names the same paths')

  // export: the merged view, against kernel overlayfs's
  const merged = await bytesOf(mergedTar(upper, [lower]))
  const exportedTree = join(base, 'export')
  gnuExtract(t, merged, exportedTree)
  for (const d of ['ku', 'kw']) mkdirSync(join(base, d))
  const k = mountKernelOverlay(t, [applied, lower], join(base, 'ku'), join(base, 'kw'), join(base, 'kmnt'))
  const kernel = snapshotBytes(join(base, 'kmnt'))
  k.unmount()
  t.same(snapshotBytes(exportedTree), kernel, 'export gives the merged tree kernel overlayfs shows')
})
