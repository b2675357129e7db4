/**
 * Where the engine's next calls for a directory will go, found without a syscall of its own: the
 * backing directories a listing of it reads (upper's copy, then each lower layer's), and for each
 * name the backing paths a lookup of it lstats (upper's, then the topmost lower entry's). For
 * warming the kernel's caches ahead of those calls (daemon/fuse/prefetch.ts): a path given may not
 * exist, and names whose paths carry escaped bytes, or directories the cache does not resolve, are
 * left out (the calls that follow find their own way).
 * Tests: test/unit/overlay/backing-paths.test.ts
 */
import { topEntry } from './lower-index.js'
import type { Node } from './lookup.js'
import { hasEscapes } from './names.js'
import { joinPath } from './path.js'
import type { Stack } from './stack.js'

/** The backing directories a listing of the directory `dir` reads. */
export function listingDirsOf(dir: Node): string[] {
  const dirs = dir.lowerDir ? dir.lowerDir.layers.map((l) => l.dir) : []
  if (dir.upper !== null) dirs.unshift(dir.upper)
  return dirs.filter((d) => !hasEscapes(d))
}

/** The backing paths a lookup of each of `names` in the directory `dir` lstats (see lookupChild). */
export function lookupPathsOf(stack: Stack, dir: Node, names: readonly string[]): string[] {
  const out: string[] = []
  for (const name of names) {
    if (hasEscapes(name)) continue
    if (dir.upper !== null) out.push(`${dir.upper}/${name}`)
    const top = topEntry(dir.lowerDir, name)
    if (top && top.kind !== 'whiteout') out.push(stack.index.backingOf(top.layer, joinPath(dir.path, name)))
  }
  return out
}
