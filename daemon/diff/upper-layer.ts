/**
 * A layer made straight from a directory in overlay format (a container's upper/, for commit):
 * the tree is copied into the layer's diff/ while the bytes of its deterministic tar
 * (upper-tar.ts) are hashed and recorded in the tar-split, without the tar being made and parsed
 * again. The result is the layer that applying upperTar(tree) would give: the same diffID,
 * tar-split and tree (test/integration/upper-tar.test.ts checks all three). A file with holes
 * is copied as its sparse entry would be applied: only its data segments are written. Both trees
 * are reached through overlay/backing-fs.ts: names of any bytes, paths deeper than PATH_MAX.
 * Tests: test/integration/upper-tar.test.ts
 * Errors: a file that shrinks while it is read (a commit pauses a mounted container). Sockets are
 *   left out, as from the tar (stat-header.ts).
 */
import { createHash } from 'node:crypto'
import { closeSync, constants as fsc, ftruncateSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { constants } from '../../native-bindings/index.js'
import { chmod, lchown, link, lsetxattr, mkdir, mknod, open, symlink, utimens } from '../overlay/backing-fs.js'
import { storedXattrName } from '../layers/apply-tar.js'
import { readChunks } from '../tar/read-chunks.js'
import type { TarSummary } from '../tar/tar-reader.js'
import type { SparseMap } from '../tar/tar-sparse.js'
import type { SplitRecorder } from '../tar/tar-split.js'
import { END, padding, type HeaderFields } from '../tar/tar-writer.js'
import { setOpaque, type XattrNamespace } from '../overlay/opaque.js'
import { makeWhiteout } from '../overlay/whiteout.js'
import { upperEntries, type UpperEntry } from './upper-tar.js'

/** How long the copy runs before the event loop gets a turn (RPCs, signals). */
const TURN_MS = 20
const OWNER = { uid: process.getuid?.() ?? -1, gid: process.getgid?.() ?? -1 }

/**
 * A function that gives the event loop a turn once TURN_MS has passed since the last one, then
 * throws if `signal` was aborted. Between entries and between a big file's chunks: a commit's pause
 * is a lease its renewal timer must keep, so no file may hold the loop for long (a 2 GiB file took
 * longer than the 5 s the worker waits for a renewal).
 */
function turns(signal?: AbortSignal): () => Promise<void> {
  let last = Date.now()
  return async () => {
    if (Date.now() - last <= TURN_MS) return
    await new Promise(setImmediate)
    signal?.throwIfAborted()
    last = Date.now()
  }
}

/**
 * Copies `tree` into the empty directory `diff` and records its tar's bytes in `split`. The I/O is
 * synchronous (tens of thousands of small files), with a turn for the event loop every few ms.
 */
export async function copyUpper(
  tree: string,
  diff: string,
  split: SplitRecorder,
  signal?: AbortSignal,
  ns: XattrNamespace = 'trusted',
): Promise<TarSummary> {
  const hash = createHash('sha256')
  let bytes = 0
  const out = (b: Buffer) => {
    hash.update(b)
    bytes += b.length
    split.raw(b)
  }
  const dirs: UpperEntry[] = []
  let entries = 0
  const turn = turns(signal)
  for (const e of upperEntries(tree, ns)) {
    await turn()
    entries++
    for (const h of e.header) out(h)
    const dest = join(diff, e.rel)
    if (e.kind === 'dir') {
      mkdir(dest, { mode: 0o755 })
      dirs.push(e)
    } else if (e.kind === 'opaque') setOpaque(dest, 'trusted')
    else if (e.kind === 'whiteout') makeWhiteout(dest)
    else if (e.kind === 'link') link(join(diff, e.first as string), dest)
    else {
      // A sparse file's body is its map, then only its data segments (sparse-entry.ts).
      const size = e.sparse?.dataBytes ?? e.fields.size ?? 0
      if (e.sparse) out(e.sparse.mapBlocks)
      if (e.kind === 'file')
        await copyFile(e.path, dest, e.fields.size ?? 0, hash.update.bind(hash), turn, e.sparse?.map)
      else create(e.fields, dest)
      setMetadata(dest, e.fields)
      if (size > 0) split.file(e.rel, size, e.sparse?.map)
      bytes += size
      out(padding(size))
    }
  }
  out(END)
  // Once every entry exists: making one changes its directory's mtime.
  for (const d of dirs) setMetadata(join(diff, d.rel), d.fields)
  return { diffId: `sha256:${hash.digest('hex')}`, bytes, entries }
}

/**
 * The first `size` bytes of `from` into a new file `to`, each chunk also handed to `seen`, with
 * `turn` between chunks; with a sparse map, only its data segments, at their offsets, the rest
 * left a hole (as applying the sparse entry does).
 */
async function copyFile(
  from: string,
  to: string,
  size: number,
  seen: (b: Buffer) => void,
  turn: () => Promise<void>,
  sparse?: SparseMap,
): Promise<void> {
  const src = open(from, fsc.O_RDONLY | fsc.O_NOFOLLOW)
  try {
    const dst = open(to, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL, 0o600)
    try {
      for (const [offset, length] of sparse?.map ?? [[0, size]]) {
        let at = offset
        for (const chunk of readChunks(src, offset, length, from)) {
          await turn()
          seen(chunk)
          for (let done = 0; done < chunk.length;) done += writeSync(dst, chunk, done, chunk.length - done, at + done)
          at += chunk.length
        }
      }
      if (sparse) ftruncateSync(dst, size)
    } finally {
      closeSync(dst)
    }
  } finally {
    closeSync(src)
  }
}

function create(f: HeaderFields, dest: string): void {
  if (f.type === 'symlink') return symlink(f.linkname as string, dest)
  if (f.type === 'fifo') return mknod(dest, constants.S_IFIFO | 0o600, 0, 0)
  const kind = f.type === 'char' ? constants.S_IFCHR : constants.S_IFBLK
  mknod(dest, kind | 0o600, f.devmajor ?? 0, f.devminor ?? 0)
}

/** What applying the tar's entry would set: owner, mode (not a symlink's), xattrs, whole-second mtime. */
function setMetadata(dest: string, f: HeaderFields): void {
  // A new entry is already ours: only another owner needs the call (a directory always gets it).
  if (f.uid !== OWNER.uid || f.gid !== OWNER.gid || f.type === 'dir') lchown(dest, f.uid ?? 0, f.gid ?? 0)
  if (f.type !== 'symlink') chmod(dest, f.mode)
  for (const [name, value] of f.xattrs ?? []) lsetxattr(dest, storedXattrName(name, f.name), value)
  const ns = BigInt(f.mtime) * 1_000_000_000n
  utimens(dest, ns, ns)
}
