/**
 * Lookup: which backing entry a union path shows. Upper first, then the lowers through the index;
 * a whiteout hides the name, an opaque or non-directory upper entry cuts the lowers off.
 * Never: follows a symlink. The walk goes one component at a time and only ever descends into an
 *   entry it has just seen as a real directory; the final component is lstat'ed.
 * Errors: ENOENT, ENOTDIR as FsError.
 * Tests: test/unit/overlay/lookup.test.ts and the union suite (test/suites/union.ts).
 */
import { lstatSync, type BigIntStats } from 'node:fs'
import { FsError, hasCode } from './fs-error.js'
import type { DirIndex } from './lower-index.js'
import { isOpaque } from './opaque.js'
import { joinPath } from './path.js'
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
}

export const isDir = (n: Node): boolean => n.stat.isDirectory()

/** The backing path of the entry shown: upper's copy if there is one, else the topmost lower's. */
export const shownPath = (n: Node): string => (n.upper ?? n.lower) as string

/** A directory shown from more than one place; overlayfs reports nlink 1 for these. */
export const isMergedDir = (n: Node): boolean =>
  isDir(n) && n.lowerDir !== null && (n.upper !== null || n.lowerDir.layers.length > 1)

/** lstat, or null when nothing is there. */
export function lstatOrNull(path: string): BigIntStats | null {
  try {
    return lstatSync(path, { bigint: true })
  } catch (err) {
    if (hasCode(err, 'ENOENT')) return null
    throw err
  }
}

export function rootNode(stack: Stack): Node {
  const lowerDir = stack.index.root()
  const top = stack.upper ?? (stack.lowers[0] as string)
  return {
    path: '',
    upper: stack.upper,
    lower: lowerDir ? (lowerDir.layers[0]?.dir ?? null) : null,
    lowerDir,
    lowerVisible: false,
    stat: lstatSync(top, { bigint: true }),
  }
}

/** The entry `name` in directory `dir`, or null when the union shows nothing there. */
export function lookupChild(stack: Stack, dir: Node, name: string): Node | null {
  const path = joinPath(dir.path, name)
  const parentLower = dir.lowerDir
  const top = parentLower?.entries.get(name)
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
  return { path, upper: null, lower, lowerDir, lowerVisible, stat: lstatSync(lower, { bigint: true }) }
}

/** The node at `path` (already parsed), or ENOENT / ENOTDIR. */
export function lookup(stack: Stack, path: string, syscall = 'lookup'): Node {
  let node = rootNode(stack)
  if (path === '') return node
  for (const name of path.split('/')) {
    if (!isDir(node)) throw new FsError('ENOTDIR', syscall, path)
    const next = lookupChild(stack, node, name)
    if (next === null) throw new FsError('ENOENT', syscall, path)
    node = next
  }
  return node
}
