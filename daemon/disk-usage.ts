/**
 * Bytes a directory tree takes on disk, counted as `du -s -B1` does: allocated blocks of every
 * entry (directories included), each inode once, symlinks not followed. `system df` and fsck
 * report this, so their numbers match what the disk says.
 */
import { lstatSync, readdirSync } from 'node:fs'
import { join } from 'node:path'

export function diskUsage(root: string): number {
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
    total += Number(st.blocks) * 512
    if (st.isDirectory()) for (const name of readdirSync(path)) stack.push(join(path, name))
  }
  return total
}
