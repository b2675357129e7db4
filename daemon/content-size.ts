/**
 * The content size of a layer directory as Docker counts a layer's DiffSize (moby's
 * pkg/directory Size, which overlay2's ApplyDiff returns): the st_size of every entry that is not a
 * directory (file bytes, a symlink's target length), each inode once, symlinks not followed.
 * Whiteouts (0/0 character devices) and empty files count 0. `images`, `history`, `inspect` and
 * `system df -v`'s per-image rows show it; bytes on disk are disk-usage.ts's job.
 * Tests: test/unit/daemon/content-size.test.ts
 */
import { sumInodes } from './disk-usage.js'

export function contentSize(root: string): number {
  return sumInodes(root, (st) => (st.isDirectory() ? 0 : Number(st.size)))
}
