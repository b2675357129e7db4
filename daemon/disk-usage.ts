/**
 * Bytes a directory tree takes on disk, counted as `du -s -B1` does: allocated blocks of every
 * entry (directories included), each inode once, symlinks not followed. `system df` and fsck
 * report this, so their numbers match what the disk says. sumInodes is the walk, also content-size.ts's.
 */
import { lstatSync, readdirSync, type BigIntStats } from 'node:fs'
import { join } from 'node:path'

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
    const st = lstatSync(path, { bigint: true })
    if (st.nlink > 1n && !st.isDirectory()) {
      if (seen.has(st.ino)) continue
      seen.add(st.ino)
    }
    total += measure(st)
    if (st.isDirectory()) for (const name of readdirSync(path)) stack.push(join(path, name))
  }
  return total
}
