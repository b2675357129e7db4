/**
 * Bytes a directory tree takes on disk, counted as `du -s -B1` does: allocated blocks of every
 * entry (directories included), each inode once, symlinks not followed. `system df` and fsck
 * report this, so their numbers match what the disk says. sumInodes is the walk, also content-size.ts's.
 * A layer may hold names of any bytes and paths past PATH_MAX: the walk goes through
 * overlay/backing-fs.ts.
 */
import type { BigIntStats } from 'node:fs'
import { join } from 'node:path'
import { lstat, readdirNames } from './overlay/backing-fs.js'

export function diskUsage(root: string): number {
  return sumInodes(root, (st) => Number(st.blocks) * 512)
}

/**
 * The sum of `measure` over every entry of the tree at `root` (directories included), each inode
 * once (hard links counted at their first name), symlinks not followed.
 */
export function sumInodes(root: string, measure: (st: BigIntStats) => number): number {
  const seen = new Set<bigint>()
  let total = 0
  const stack = [root]
  while (stack.length) {
    const path = stack.pop() as string
    const st = lstat(path)
    if (st.nlink > 1n && !st.isDirectory()) {
      if (seen.has(st.ino)) continue
      seen.add(st.ino)
    }
    total += measure(st)
    if (st.isDirectory()) for (const name of readdirNames(path)) stack.push(join(path, name))
  }
  return total
}
