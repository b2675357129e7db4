/**
 * Copy-up: make a lower entry writable by copying it into upper/.
 * Owns: parents first; data (small files by a read and a write, others by reflink or
 *   copy_file_range off the JS thread, holes kept), mode, owner, ns times, xattrs (a file's set
 *   through its open descriptors); built in work/, fsync'ed unless volatile, renamed into upper/
 *   with RENAME_NOREPLACE (so a name that appeared meanwhile is never overwritten); the upper
 *   parent keeps its times, as overlayfs does. The copy's descriptor can be handed to the caller
 *   (copyUpOpen): an open for writing then needs no second open.
 * Never: follows a symlink in a backing path (lower files are opened O_NOFOLLOW).
 * Errors: FsError / Node errno errors of the syscall that failed; the staged copy is removed.
 * Concurrency: one copy-up per path at a time; a second caller waits for the first.
 * Tests: test/unit/overlay/overlay.test.ts and the union suite (test/suites/union.ts).
 */
import { closeSync, constants as fsc, fchmodSync, fchownSync, fsyncSync, readSync, writeSync } from 'node:fs'
import type { BigIntStats } from 'node:fs'
import {
  constants,
  copyFileRange,
  copySparse,
  ficlone,
  fremovexattr,
  fsetxattr,
  splitDev,
  utimensat,
} from '../../native-bindings/index.js'
import { lstat, mkdir, mknod, open, readlink, renameat2, rm, symlink } from './backing-fs.js'
import { copyAttrs, copyXattrsFd, setTimes } from './copy-attrs.js'
import { hasCode } from './fs-error.js'
import { isDir, lookup, lookupDir, type Node } from './lookup.js'
import { backing, splitParent } from './path.js'
import type { Stack } from './stack.js'

const inflight = new WeakMap<Stack, Map<string, Promise<Node>>>()

/** A copied-up node and, for a regular file this call copied, its copy open O_RDWR (the caller closes it). */
export interface Copied {
  node: Node
  fd: number | null
}

/** The node again, now with an upper copy (data included unless `withData` is false: O_TRUNC opens). */
export async function copyUp(stack: Stack, node: Node, withData = true): Promise<Node> {
  const { node: copied, fd } = await copyUpOpen(stack, node, withData)
  if (fd !== null) closeSync(fd)
  return copied
}

/** As copyUp, keeping the copy's descriptor when this call made the copy (a waiter on another's copy gets none). */
export async function copyUpOpen(stack: Stack, node: Node, withData = true): Promise<Copied> {
  if (node.upper !== null) return { node, fd: null }
  const pending = inflightOf(stack)
  const running = pending.get(node.path)
  if (running) return { node: await running, fd: null }
  const job = copyUpOnce(stack, node, withData).finally(() => pending.delete(node.path))
  const forWaiters = job.then((copied) => copied.node)
  forWaiters.catch(() => undefined) // this caller gets the error from `job`; waiters from their own await
  pending.set(node.path, forWaiters)
  return job
}

function inflightOf(stack: Stack): Map<string, Promise<Node>> {
  let pending = inflight.get(stack)
  if (!pending) inflight.set(stack, (pending = new Map()))
  return pending
}

/**
 * A copy handed out before it is in upper/: where it will be, its descriptor (O_RDWR, the
 * caller's), and `installed`, which rejects if the copy never got there (its sync or its rename
 * failed: what was written through the descriptor is lost, and an fsync must say so).
 */
export interface CopiedLater {
  upper: string
  fd: number
  installed: Promise<void>
}

/**
 * A durable copy-up whose fsync is shared with the copy-ups around it (copy-up-sync.ts): the
 * copy is made in work/ and its descriptor handed out at once; it is synced in the next batch and
 * then installed (renamed into upper/) as copyUp does; a copy whose sync failed is not installed
 * (the lower file shows again). Until then the path counts as being copied (copyUpOf), and the
 * caller must keep every other use of it waiting (the FUSE session does). Null where that does
 * not apply, and the caller copies up as usual: a volatile stack (nothing to sync), an entry
 * already in upper/ or being copied, anything but a regular file, a file with setuid or setgid
 * (dropping them goes by path).
 */
export function copyUpLater(stack: Stack, node: Node, withData: boolean): Promise<CopiedLater> | null {
  const setid = (node.stat.mode & 0o6000n) !== 0n
  const pending = inflightOf(stack)
  if (stack.volatile || node.upper !== null || !node.stat.isFile() || setid || pending.has(node.path)) return null
  const staged = stageLater(stack, node, withData)
  const forWaiters = staged.then(({ installed }) => installed).then(() => lookup(stack, node.path, 'copyup'))
  forWaiters.catch(() => undefined) // the opener hears a failed staging; a failed install goes to lateCopyUpError
  pending.set(node.path, forWaiters)
  void forWaiters.finally(() => pending.delete(node.path)).catch(() => undefined)
  return staged
}

/** The path being copied up by some call (settles when the copy is in upper/, or has failed), if any. */
export const copyUpOf = (stack: Stack, path: string): Promise<unknown> | undefined => inflight.get(stack)?.get(path)

/** How many copy-ups are under way (running, or handed out and waiting for their install). */
export const copyUpsUnderWay = (stack: Stack): number => inflight.get(stack)?.size ?? 0

/** Resolves once no copy-up is running or waiting for its install, including those started meanwhile. */
export async function copyUpsSettled(stack: Stack): Promise<void> {
  const pending = inflightOf(stack)
  while (pending.size) await Promise.allSettled(pending.values())
}

async function stageLater(stack: Stack, node: Node, withData: boolean): Promise<CopiedLater> {
  await stack.syncs.room()
  const parentNode = ensureUpperDir(stack, splitParent(node.path).parent)
  const staged = stack.stagingPath()
  let fd: number | null = null
  let settle: { resolve: () => void; reject: (err: unknown) => void } | undefined
  const installed = new Promise<void>((resolve, reject) => (settle = { resolve, reject }))
  installed.catch(() => undefined) // the opener awaits it only when it must (an fsync)
  try {
    fd = await stageFile(stack, node.lower as string, node.stat, staged, withData, false)
    if (!markStaged(stack, fd, node.path)) {
      fsyncSync(fd) // no name for a dead worker's successor to install it by: installed now, as copyUp does
      install(stack, parentNode, node, staged)
      settle?.resolve()
      return { upper: backing(stack.writable('copyup', node.path).upper, node.path), fd, installed }
    }
    const own = stack.syncs.add(fd, (errno) => {
      stack.handedOut.delete(node.path)
      const failed =
        errno === 0
          ? installOrError(stack, parentNode, node, staged, own)
          : dropStaging(staged, syncError(node.path, errno))
      if (failed === null) return settle?.resolve()
      stack.lateCopyUpError?.(node.path, failed)
      settle?.reject(failed)
    })
    stack.handedOut.set(node.path, own)
  } catch (err) {
    if (fd !== null) closeSync(fd)
    rm(staged, { force: true })
    throw err
  }
  return { upper: backing(stack.writable('copyup', node.path).upper, node.path), fd, installed }
}

/**
 * The xattr naming the union path a copy handed out is for, while it is staged: in overlayfs's
 * private namespace, so no user sees or sets it, and taken off before the copy is installed.
 */
export const stagedFor = (stack: { ns: string }) => `${stack.ns}.overlay.strata-copy-of`

/**
 * Names the union path a staged copy is for (stagedFor), so a dead worker's successor can install
 * it (work-leftovers.ts); false where the filesystem has no room for it in the file's xattrs (a
 * path of thousands of bytes on ext4: ENOSPC) or takes none.
 */
function markStaged(stack: Stack, fd: number, path: string): boolean {
  try {
    fsetxattr(fd, stagedFor(stack), path)
    return true
  } catch (err) {
    if (hasCode(err, 'ENOSPC', 'E2BIG', 'ERANGE', 'ENOTSUP', 'EOPNOTSUPP')) return false
    throw err
  }
}

/** Installs a copy handed out (`fd` open on it); what went wrong (the staging then removed), or null. Never throws. */
function installOrError(stack: Stack, parentNode: Node, node: Node, staged: string, fd: number): unknown {
  try {
    fremovexattr(fd, stagedFor(stack))
    install(stack, parentNode, node, staged)
    return null
  } catch (err) {
    return dropStaging(staged, err)
  }
}

/** Removes a staged copy that failed with `err`; returns `err`, with the removal's error if that failed too. */
function dropStaging(staged: string, err: unknown): unknown {
  try {
    rm(staged, { force: true })
    return err
  } catch (rmErr) {
    return new AggregateError([err, rmErr], `${String(err)}; its staging ${staged} stays`)
  }
}

const syncError = (path: string, errno: number) =>
  Object.assign(new Error(`copy-up of ${path}: fsync of the copy failed (errno ${errno}); not installed`), {
    errno,
    code: 'EIO',
  })

/** Every directory of `path` (inclusive) present in upper/: the parents of a new or copied entry. */
export function ensureUpperDir(stack: Stack, path: string): Node {
  stack.writable('copyup', path)
  const node = lookupDir(stack, path, 'copyup')
  if (node.upper !== null) return node // the root always is, in a writable union
  return copyUpDir(stack, ensureUpperDir(stack, splitParent(path).parent), node)
}

async function copyUpOnce(stack: Stack, node: Node, withData: boolean): Promise<Copied> {
  const { parent } = splitParent(node.path)
  const parentNode = ensureUpperDir(stack, parent)
  if (isDir(node)) return { node: copyUpDir(stack, parentNode, node), fd: null }
  const staged = stack.stagingPath()
  let fd: number | null = null
  try {
    fd = await stageEntry(stack, node, staged, withData)
    return { node: install(stack, parentNode, node, staged), fd }
  } catch (err) {
    if (fd !== null) closeSync(fd)
    rm(staged, { force: true })
    throw err
  }
}

function copyUpDir(stack: Stack, parentNode: Node, node: Node): Node {
  const staged = stack.stagingPath()
  mkdir(staged, { mode: 0o700 })
  try {
    copyAttrs(node.lower as string, node.stat, staged, stack.ns)
    return install(stack, parentNode, node, staged)
  } catch (err) {
    rm(staged, { recursive: true, force: true })
    throw err
  }
}

/** Makes the staged copy; a regular file's stays open (O_RDWR), and its descriptor is returned. */
async function stageEntry(stack: Stack, node: Node, staged: string, withData: boolean): Promise<number | null> {
  const from = node.lower as string
  const st = node.stat
  if (st.isFile()) return stageFile(stack, from, st, staged, withData)
  if (st.isSymbolicLink()) symlink(readlink(from), staged)
  else mknod(staged, Number(st.mode & 0o170000n) | 0o600, ...splitDev(st.rdev))
  copyAttrs(from, st, staged, stack.ns)
  return null
}

/**
 * Data, then owner, mode, xattrs and times (copy-attrs.ts's order) through the two descriptors,
 * then fsync. The owner and mode are set only where the new file would not have them anyway
 * (files owned by the daemon's ids, as most of an image's are, with a mode the umask leaves
 * whole and no setid bits, skip two syscalls).
 */
async function stageFile(stack: Stack, from: string, st: BigIntStats, staged: string, withData: boolean, sync = true) {
  const src = open(from, fsc.O_RDONLY | fsc.O_NOFOLLOW)
  try {
    const perm = Number(st.mode & 0o7777n)
    const plainMode = (perm & 0o7000) === 0 && (perm & stack.umask) === 0
    const dst = open(staged, fsc.O_RDWR | fsc.O_CREAT | fsc.O_EXCL, plainMode ? perm : 0o600)
    try {
      if (withData && st.size > 0n) await copyData(stack, src, dst, st)
      const owner = stack.stagedOwner
      if (owner?.uid !== Number(st.uid) || owner.gid !== Number(st.gid)) fchownSync(dst, Number(st.uid), Number(st.gid))
      if (!plainMode) fchmodSync(dst, perm)
      copyXattrsFd(src, dst, stack.ns)
      utimensat(dst, '', st.atimeNs, st.mtimeNs)
      if (sync && !stack.volatile) fsyncSync(dst)
      return dst
    } catch (err) {
      closeSync(dst)
      throw err
    }
  } finally {
    closeSync(src)
  }
}

/** Files up to this size are copied on the JS thread: a read and a write cost less than a trip to the thread pool. */
const SMALL_COPY = 64 * 1024

/**
 * The data of a lower file into its staged copy: small files by a read and a write; others by
 * reflink where the filesystem shares extents (asked once per stack: a refusal is remembered),
 * else copy_file_range, both off the JS thread. A file with fewer blocks than its size may have
 * holes: its data is copied segment by segment (SEEK_DATA/SEEK_HOLE), so a 1 TiB sparse file
 * takes in upper/ what it takes in its layer, not 1 TiB. A small file's holes (64 KiB at most)
 * are filled: probing them would cost more syscalls than the copy.
 */
async function copyData(stack: Stack, src: number, dst: number, st: BigIntStats): Promise<void> {
  const size = Number(st.size)
  if (size <= SMALL_COPY) return copySmall(src, dst, size)
  if (stack.reflink) {
    try {
      await ficlone(dst, src)
      return
    } catch (err) {
      if (!hasCode(err, 'ENOTSUP', 'EOPNOTSUPP', 'EXDEV', 'EINVAL', 'ENOTTY')) throw err
      stack.reflink = false
    }
  }
  const mayHaveHoles = st.blocks * 512n < st.size
  const copied = await (mayHaveHoles ? copySparse(src, dst, size) : copyFileRange(src, 0, dst, 0, size))
  if (copied !== size) throw changedSize()
}

function copySmall(src: number, dst: number, size: number): void {
  const buf = Buffer.allocUnsafe(size)
  for (let n = 0; n < size;) {
    const got = readSync(src, buf, n, size - n, n)
    if (got === 0) throw changedSize()
    n += got
  }
  for (let n = 0; n < size;) n += writeSync(dst, buf, n, size - n, n)
}

const changedSize = () => Object.assign(new Error('copy-up: lower file changed size while copied'), { code: 'EIO' })

/**
 * Renames a staged entry to `target` in the upper directory `parent` (never over an entry there),
 * which keeps its times (`parentTimes`, its lstat from before), as overlayfs's does.
 */
export function renameIntoPlace(staged: string, target: string, parent: string, parentTimes = lstat(parent)): void {
  renameat2(staged, target, constants.RENAME_NOREPLACE)
  setTimes(parent, parentTimes)
}

/**
 * Renames the staged entry into place; the upper parent keeps its times (overlayfs does the same).
 * A directory's entry in the directory cache is forgotten, so the fresh lookup after it caches
 * the new resolution.
 */
function install(stack: Stack, parentNode: Node, node: Node, staged: string): Node {
  const upper = backing(stack.writable('copyup', node.path).upper, node.path)
  renameIntoPlace(staged, upper, parentNode.upper as string)
  stack.dirs.forget(node.path)
  const copied = lookup(stack, node.path, 'copyup')
  stack.copiedUp?.(copied.path, copied.stat)
  return copied
}
