/**
 * rename with RENAME_NOREPLACE and RENAME_EXCHANGE, including directories that exist in a lower
 * layer: where overlayfs (redirect_dir=off) and fuse-overlayfs answer EXDEV, strata copies the
 * directory's whole visible subtree up ("materialize"), renames it inside upper/, leaves a
 * whiteout where lowers had the old name, and makes the moved directory opaque where lowers have
 * the new name. The result on disk equals what `mv`'s copy-and-delete leaves on overlayfs
 * (docs/decisions.md).
 * Tests: test/unit/overlay/overlay.test.ts and the union suite (test/suites/union.ts).
 */
import { constants } from '../../native-bindings/index.js'
import { lstat, readdirEntries, renameat2, unlink } from './backing-fs.js'
import { copyUp, ensureUpperDir } from './copy-up.js'
import { FsError } from './fs-error.js'
import { isDir, lookup, lookupChild, lstatOrNull, type Node } from './lookup.js'
import { clearOpaque, setOpaque } from './opaque.js'
import { isWithin, splitParent } from './path.js'
import { isEmptyDir, readdir } from './readdir.js'
import type { Stack } from './stack.js'
import { isWhiteoutDirent, isWhiteoutStat } from './whiteout.js'

export const RENAME_NOREPLACE = 1
export const RENAME_EXCHANGE = 2

interface Ends {
  src: Node | null
  dst: Node | null
}

/** Both parents first (ENOENT/ENOTDIR), then the two names, as the VFS resolves a rename. */
function resolveEnds(stack: Stack, from: string, to: string): Ends {
  const dirs = [from, to].map((p) => {
    const dir = lookup(stack, splitParent(p).parent, 'rename')
    if (!isDir(dir)) throw new FsError('ENOTDIR', 'rename', p)
    return dir
  })
  return {
    src: lookupChild(stack, dirs[0] as Node, splitParent(from).name),
    dst: lookupChild(stack, dirs[1] as Node, splitParent(to).name),
  }
}

/**
 * Two names of one inode: rename does nothing (POSIX). Only upper hard links are one inode in the
 * union: lower ones are copied up separately, so overlayfs (without index) renames them.
 */
const sameInode = (a: Node, b: Node | null) =>
  b !== null && a.upper !== null && b.upper !== null && a.stat.dev === b.stat.dev && a.stat.ino === b.stat.ino

/**
 * The checks of renameat2(2) in the kernel's order; true when the rename is a no-op
 * (same name, or two links to one inode).
 */
function check(from: string, to: string, { src, dst }: Ends, flags: number): boolean {
  if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE) || flags === (RENAME_NOREPLACE | RENAME_EXCHANGE)) {
    throw new FsError('EINVAL', 'rename', from)
  }
  if (from === '' || to === '') throw new FsError('EBUSY', 'rename', from)
  if (!src) throw new FsError('ENOENT', 'rename', from)
  if (flags & RENAME_NOREPLACE && dst) throw new FsError('EEXIST', 'rename', to)
  if (flags & RENAME_EXCHANGE && !dst) throw new FsError('ENOENT', 'rename', to)
  if (from === to) return true
  if (isWithin(to, from)) throw new FsError('EINVAL', 'rename', from)
  if (isWithin(from, to)) throw new FsError(flags & RENAME_EXCHANGE ? 'EINVAL' : 'ENOTEMPTY', 'rename', to)
  if (!dst || flags & RENAME_EXCHANGE) return false
  if (sameInode(src, dst)) return true
  if (isDir(src) && !isDir(dst)) throw new FsError('ENOTDIR', 'rename', to)
  if (!isDir(src) && isDir(dst)) throw new FsError('EISDIR', 'rename', to)
  if (isDir(dst) && !isEmptyDir(dst)) throw new FsError('ENOTEMPTY', 'rename', to)
  return false
}

export async function rename(stack: Stack, from: string, to: string, flags = 0): Promise<void> {
  stack.writable('rename', from)
  try {
    await renameResolved(stack, from, to, flags)
  } finally {
    // both subtrees may resolve differently now (moved, whited out, opaque, scrubbed)
    stack.dirs.forget(from, true)
    stack.dirs.forget(to, true)
  }
}

async function renameResolved(stack: Stack, from: string, to: string, flags: number): Promise<void> {
  const ends = resolveEnds(stack, from, to)
  if (check(from, to, ends, flags)) return
  const srcMerged = await makeMovable(stack, ends.src as Node)
  const dstMerged = flags & RENAME_EXCHANGE ? await makeMovable(stack, ends.dst as Node) : []
  ensureUpperDir(stack, splitParent(to).parent)
  const now = resolveEnds(stack, from, to) // copy-ups awaited: look again
  if (check(from, to, now, flags)) return
  if (flags & RENAME_EXCHANGE) return exchange(stack, now, srcMerged, dstMerged)
  move(stack, now, to, srcMerged)
}

/**
 * Copies up what a rename moves; for a directory with lowers, its whole visible subtree. Returns
 * the directories (relative to the moved one, '' for itself) that had lowers merged into them.
 */
async function makeMovable(stack: Stack, node: Node): Promise<string[]> {
  if (!isDir(node)) {
    await copyUp(stack, node)
    return []
  }
  if (node.upper !== null && node.lowerDir === null) return []
  const merged: string[] = []
  await materialize(stack, node.path, '', merged)
  return merged
}

async function materialize(stack: Stack, path: string, rel: string, merged: string[]): Promise<void> {
  const node = await copyUp(stack, lookup(stack, path, 'rename'))
  merged.push(rel)
  for (const e of readdir(node)) {
    const child = lookupChild(stack, node, e.name) as Node
    if (isDir(child)) {
      const childRel = rel === '' ? e.name : `${rel}/${e.name}`
      if (child.upper === null || child.lowerDir !== null) await materialize(stack, child.path, childRel, merged)
    } else if (child.upper === null) {
      await copyUp(stack, child)
    }
  }
}

/**
 * After a materialized directory moved, its merged directories hold their whole content: their
 * whiteouts and opaque marks hide nothing any more, so they go (what `mv` leaves on overlayfs,
 * which recreates such directories; directories that were upper-only keep theirs, as its rename does).
 */
function scrub(stack: Stack, top: string, merged: string[]): void {
  for (const rel of merged) {
    const dir = rel === '' ? top : `${top}/${rel}`
    clearOpaque(dir, stack.ns)
    for (const d of readdirEntries(dir)) {
      if (isWhiteoutDirent(dir, d)) unlink(`${dir}/${d.name}`)
    }
  }
}

/** A directory that arrives where lowers have the name must hide them. */
function settle(stack: Stack, upper: string, lowersHere: boolean, merged: string[]): void {
  if (!lstat(upper).isDirectory()) return
  scrub(stack, upper, merged)
  if (lowersHere) setOpaque(upper, stack.ns)
}

function upperOf(stack: Stack, path: string): string {
  return `${stack.writable('rename', path).upper}/${path}`
}

function move(stack: Stack, ends: Ends, to: string, merged: string[]): void {
  const src = ends.src as Node
  const target = upperOf(stack, to)
  const st = lstatOrNull(target)
  const targetWasWhiteout = st !== null && isWhiteoutStat(st)
  if (st?.isDirectory()) scrub(stack, target, ['']) // merged-empty: only whiteouts inside; rename needs it empty
  if (targetWasWhiteout && isDir(src)) unlink(target) // a directory cannot replace a device node
  const flags = src.lowerVisible ? constants.RENAME_WHITEOUT : 0
  renameat2(src.upper as string, target, flags)
  settle(stack, target, targetWasWhiteout || (ends.dst?.lowerVisible ?? false), merged)
}

function exchange(stack: Stack, ends: Ends, srcMerged: string[], dstMerged: string[]): void {
  const src = ends.src as Node
  const other = ends.dst as Node
  renameat2(src.upper as string, other.upper as string, RENAME_EXCHANGE)
  settle(stack, other.upper as string, other.lowerVisible, srcMerged)
  settle(stack, src.upper as string, src.lowerVisible, dstMerged)
}
