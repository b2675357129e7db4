/**
 * The content size of a layer directory as Docker counts a layer's DiffSize (moby's
 * pkg/directory Size, which overlay2's ApplyDiff returns): the st_size of every entry that is not a
 * directory (file bytes, a symlink's target length), each inode once, symlinks not followed.
 * Whiteouts (0/0 character devices) and empty files count 0. `images`, `history`, `inspect` and
 * `system df -v`'s per-image rows show it; bytes on disk are disk-usage.ts's job.
 * Tests: test/unit/daemon/content-size.test.ts
 */
import { lstatSync, readdirSync } from 'node:fs'
import { join } from 'node:path'

export function contentSize(root: string): number {
  const seen = new Set<bigint>()
  let total = 0
  const stack = [root]
  while (stack.length) {
    const path = stack.pop() as string
    const st = lstatSync(path, { bigint: true })
    if (st.isDirectory()) {
      for (const name of readdirSync(path)) stack.push(join(path, name))
      continue
    }
    if (st.size === 0n || seen.has(st.ino)) continue
    seen.add(st.ino)
    total += Number(st.size)
  }
  return total
}
