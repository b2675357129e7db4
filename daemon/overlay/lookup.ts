/**
 * Lookup: which backing entry a union path shows. Upper first, then the lowers through the index;
 * a whiteout hides the name, an opaque or non-directory upper entry cuts the lowers off.
 * Never: follows a symlink. The walk goes one component at a time and only ever descends into an
 *   entry it has seen as a real directory; the final component is lstat'ed every time.
 * Owns: the stack's directory cache (stack.dirs): a directory's resolution (upper path, lower
 *   index, opaque cut) is kept after its first walk, so a request resolves its parent with a Map
 *   hit and costs one lstat of its own name. Only this engine changes upper/, so the cache is
 *   exact as long as every change to a directory's resolution forgets it: a copy-up refreshes it
 *   (copy-up.ts), rmdir and rename forget the subtrees they touch (remove.ts, rename.ts). A lookup
 *   of a cached directory only refreshes its lstat.
 * Errors: ENOENT, ENOTDIR as FsError.
 * Tests: test/unit/overlay/overlay.test.ts and the union suite (test/suites/union.ts).
 */
import type { BigIntStats } from 'node:fs'
import { lstat, lstatOrNull } from './backing-fs.js'
import { FsError } from './fs-error.js'
import { topEntry, type DirIndex } from './lower-index.js'
import { isOpaque } from './opaque.js'
import { joinPath, splitParent } from './path.js'
import type { Stack } from './stack.js'
import { isWhiteoutStat } from './whiteout.js'

export interface Node {
  /** The union path ('' for the root). */
  path: string
  /** Backing path in upper/, when the entry is there. */
  upper: string | null
  /** Backing path of the topmost lower entry shown (for a merged directory: its top lower copy). */
  lower: string | null
  /** For a directory: the lower part merged into it, or null when there is none or it is cut off. */
  lowerDir: DirIndex | null
  /** The lowers have something at this name: removing the entry needs a whiteout. */
  lowerVisible: boolean
  /** lstat of the entry shown: upper's if present, else the lower's. */
  stat: BigIntStats
  /**
   * For a cached directory: whether its upper copy has any xattr (a default ACL or a security
   * label passes to the entries made in it); undefined until asked (xattr.ts).
   */
  upperXattrs?: boolean
}

export const isDir = (n: Node): boolean => n.stat.isDirectory()

/** The backing path of the entry shown: upper's copy if there is one, else the topmost lower's. */
export const shownPath = (n: Node): string => (n.upper ?? n.lower) as string

/** A directory shown from more than one place; overlayfs reports nlink 1 for these. */
export const isMergedDir = (n: Node): boolean =>
  isDir(n) && n.lowerDir !== null && (n.upper !== null || n.lowerDir.layers.length > 1)

/** lstat, or null when nothing is there (no error object is made for a missing name). */
export { lstatOrNull }

export function rootNode(stack: Stack): Node {
  const lowerDir = stack.index.root()
  const top = stack.upper ?? (stack.lowers[0] as string)
  return {
    path: '',
    upper: stack.upper,
    lower: lowerDir ? (lowerDir.layers[0]?.dir ?? null) : null,
    lowerDir,
    lowerVisible: false,
    stat: lstat(top),
  }
}

/** The entry `name` in directory `dir`, or null when the union shows nothing there. */
export function lookupChild(stack: Stack, dir: Node, name: string): Node | null {
  const path = joinPath(dir.path, name)
  const parentLower = dir.lowerDir
  const top = topEntry(parentLower, name)
  const lowerVisible = top !== undefined && top.kind !== 'whiteout'
  if (dir.upper !== null) {
    const upper = `${dir.upper}/${name}`
    const st = lstatOrNull(upper)
    if (st && isWhiteoutStat(st)) return null
    if (st && !st.isDirectory()) return { path, upper, lower: null, lowerDir: null, lowerVisible, stat: st }
    if (st) {
      const merged = !isOpaque(upper, stack.ns) && top?.kind === 'dir' && parentLower !== null
      const lowerDir = merged ? stack.index.child(parentLower, name) : null
      return { path, upper, lower: lowerDir?.layers[0]?.dir ?? null, lowerDir, lowerVisible, stat: st }
    }
  }
  if (!lowerVisible || parentLower === null) return null
  const lower = stack.index.backingOf(top.layer, path)
  const lowerDir = top.kind === 'dir' ? stack.index.child(parentLower, name) : null
  return { path, upper: null, lower, lowerDir, lowerVisible, stat: lstat(lower) }
}

/**
 * The directory at `path` as far as resolution goes (its stat may be older than the entry's:
 * callers that show attributes use lookup), from the cache or walked and cached; ENOENT / ENOTDIR
 * name `full`, the path the caller asked for.
 */
export function lookupDir(stack: Stack, path: string, syscall: string, full = path): Node {
  const hit = stack.dirs.get(path)
  if (hit) return hit
  let node: Node | null
  if (path === '') node = rootNode(stack)
  else {
    const { parent, name } = splitParent(path)
    node = lookupChild(stack, lookupDir(stack, parent, syscall, full), name)
  }
  if (node === null) throw new FsError('ENOENT', syscall, full)
  if (!isDir(node)) throw new FsError('ENOTDIR', syscall, full)
  stack.dirs.set(path, node)
  return node
}

/**
 * The node at `path` (already parsed), with a fresh lstat, or ENOENT / ENOTDIR. A directory in the
 * cache is resolved already (the cache is exact): only its lstat is refreshed, which is what the
 * kernel's GETATTR of a parent directory after each entry made in it costs.
 */
export function lookup(stack: Stack, path: string, syscall = 'lookup'): Node {
  if (path === '') return rootNode(stack)
  const cached = stack.dirs.get(path)
  const st = cached && lstatOrNull(shownPath(cached))
  if (cached && st?.isDirectory()) {
    cached.stat = st
    return cached
  }
  const { parent, name } = splitParent(path)
  const node = lookupChild(stack, lookupDir(stack, parent, syscall, path), name)
  if (node === null) throw new FsError('ENOENT', syscall, path)
  if (isDir(node)) stack.dirs.set(path, node) // the freshest resolution of it
  return node
}
