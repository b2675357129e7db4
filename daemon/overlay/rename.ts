/**
 * rename with RENAME_NOREPLACE and RENAME_EXCHANGE, including directories that exist in a lower
 * layer: where overlayfs (redirect_dir=off) and fuse-overlayfs answer EXDEV, strata copies the
 * directory's whole visible subtree up ("materialize"), renames it inside upper/, leaves a
 * whiteout where lowers had the old name, and makes the moved directory opaque where lowers have
 * the new name. The result on disk equals what `mv`'s copy-and-delete leaves on overlayfs
 * (docs/decisions.md).
 * Tests: test/unit/overlay/rename.test.ts and the union suite.
 */
import { lstatSync, readdirSync, unlinkSync } from 'node:fs'
import { constants, renameat2 } from '../../native-bindings/index.js'
import { copyUp, ensureUpperDir } from './copy-up.js'
import { FsError, hasCode } from './fs-error.js'
import { isDir, lookup, lookupChild, type Node } from './lookup.js'
import { clearOpaque, setOpaque } from './opaque.js'
import { isWithin, splitParent } from './path.js'
import { isEmptyDir, readdir } from './readdir.js'
import type { Stack } from './stack.js'
import { isWhiteoutDirent, isWhiteoutStat } from './whiteout.js'

export const RENAME_NOREPLACE = 1
export const RENAME_EXCHANGE = 2

interface Ends {
  src: Node
  dst: Node | null
}

function resolveEnds(stack: Stack, from: string, to: string): Ends {
  const src = lookup(stack, from, 'rename')
  const { parent, name } = splitParent(to)
  const dstDir = lookup(stack, parent, 'rename')
  if (!isDir(dstDir)) throw new FsError('ENOTDIR', 'rename', to)
  return { src, dst: lookupChild(stack, dstDir, name) }
}

function check(from: string, to: string, { src, dst }: Ends, flags: number): void {
  if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE) || flags === (RENAME_NOREPLACE | RENAME_EXCHANGE)) {
    throw new FsError('EINVAL', 'rename', from)
  }
  if (from === '' || to === '') throw new FsError('EBUSY', 'rename', from)
  if (flags & RENAME_NOREPLACE && dst) throw new FsError('EEXIST', 'rename', to)
  if (flags & RENAME_EXCHANGE) {
    if (!dst) throw new FsError('ENOENT', 'rename', to)
    if ((isDir(src) && isWithin(to, from)) || (isDir(dst) && isWithin(from, to))) {
      throw new FsError('EINVAL', 'rename', from)
    }
    return
  }
  if (isDir(src) && isWithin(to, from)) throw new FsError('EINVAL', 'rename', from)
  if (!dst) return
  if (isDir(src) && !isDir(dst)) throw new FsError('ENOTDIR', 'rename', to)
  if (!isDir(src) && isDir(dst)) throw new FsError('EISDIR', 'rename', to)
  if (isDir(dst) && !isEmptyDir(dst)) throw new FsError('ENOTEMPTY', 'rename', to)
}

const sameInode = (a: Node, b: Node | null) => b !== null && a.stat.dev === b.stat.dev && a.stat.ino === b.stat.ino

export async function rename(stack: Stack, from: string, to: string, flags = 0): Promise<void> {
  stack.writable('rename', from)
  const ends = resolveEnds(stack, from, to)
  check(from, to, ends, flags)
  if (from === to || (!isDir(ends.src) && sameInode(ends.src, ends.dst))) return
  const srcMaterialized = await makeMovable(stack, ends.src)
  const dstMaterialized = flags & RENAME_EXCHANGE ? await makeMovable(stack, ends.dst as Node) : false
  ensureUpperDir(stack, splitParent(to).parent)
  const now = resolveEnds(stack, from, to) // copy-ups awaited: look again
  check(from, to, now, flags)
  if (flags & RENAME_EXCHANGE) return exchange(stack, now, srcMaterialized, dstMaterialized)
  move(stack, now, to, srcMaterialized)
}

/** Copies up what a rename moves; for a directory with lowers, its whole visible subtree. */
async function makeMovable(stack: Stack, node: Node): Promise<boolean> {
  if (!isDir(node)) {
    await copyUp(stack, node)
    return false
  }
  if (node.upper !== null && node.lowerDir === null) return false
  await materialize(stack, node.path)
  return true
}

async function materialize(stack: Stack, path: string): Promise<void> {
  const node = await copyUp(stack, lookup(stack, path, 'rename'))
  for (const e of readdir(node)) {
    const child = lookupChild(stack, node, e.name) as Node
    if (isDir(child)) {
      if (child.upper === null || child.lowerDir !== null) await materialize(stack, child.path)
    } else if (child.upper === null) {
      await copyUp(stack, child)
    }
  }
}

/** After a materialized directory moved, whiteouts and opaque marks inside it hide nothing: drop them. */
function scrub(stack: Stack, dir: string): void {
  clearOpaque(dir, stack.ns)
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    if (d.isDirectory()) scrub(stack, `${dir}/${d.name}`)
    else if (isWhiteoutDirent(dir, d)) unlinkSync(`${dir}/${d.name}`)
  }
}

/** A directory that arrives where lowers have the name must hide them. */
function settle(stack: Stack, upper: string, lowersHere: boolean, materialized: boolean): void {
  if (!lstatSync(upper).isDirectory()) return
  if (materialized) scrub(stack, upper)
  if (lowersHere) setOpaque(upper, stack.ns)
}

function upperOf(stack: Stack, path: string): string {
  return `${stack.writable('rename', path).upper}/${path}`
}

function move(stack: Stack, { src, dst }: Ends, to: string, materialized: boolean): void {
  const target = upperOf(stack, to)
  let targetWasWhiteout = false
  try {
    const st = lstatSync(target, { bigint: true })
    targetWasWhiteout = isWhiteoutStat(st)
    if (st.isDirectory()) scrub(stack, target) // merged-empty: only whiteouts inside; rename needs it empty
    if (targetWasWhiteout && isDir(src)) unlinkSync(target) // a directory cannot replace a device node
  } catch (err) {
    if (!hasCode(err, 'ENOENT')) throw err
  }
  const flags = src.lowerVisible ? constants.RENAME_WHITEOUT : 0
  renameat2(constants.AT_FDCWD, src.upper as string, constants.AT_FDCWD, target, flags)
  settle(stack, target, targetWasWhiteout || (dst?.lowerVisible ?? false), materialized)
}

function exchange(stack: Stack, { src, dst }: Ends, srcMaterialized: boolean, dstMaterialized: boolean): void {
  const other = dst as Node
  renameat2(constants.AT_FDCWD, src.upper as string, constants.AT_FDCWD, other.upper as string, RENAME_EXCHANGE)
  settle(stack, other.upper as string, other.lowerVisible, srcMaterialized)
  settle(stack, src.upper as string, src.lowerVisible, dstMaterialized)
}
