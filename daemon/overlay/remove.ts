/**
 * unlink and rmdir. Where the lowers have the name, the upper entry is replaced by a whiteout
 * atomically (built in work/, renamed or exchanged into place); otherwise the upper entry just goes.
 * rmdir of a merged directory works once the union shows nothing in it: its upper copy (holding
 * only whiteouts) is exchanged for a whiteout and then removed from work/.
 * Tests: test/unit/overlay/overlay.test.ts and the union suite (test/suites/union.ts).
 */
import { constants } from '../../native-bindings/index.js'
import { readdirNames, renameat2, rm, rmdir as removeDir, unlink as removeFile } from './backing-fs.js'
import { ensureUpperDir } from './copy-up.js'
import { FsError } from './fs-error.js'
import { topEntry } from './lower-index.js'
import { isDir, lookup, lookupDir, type Node } from './lookup.js'
import { splitParent } from './path.js'
import { isEmptyDir } from './readdir.js'
import type { Stack } from './stack.js'
import { makeWhiteout } from './whiteout.js'

export function unlink(stack: Stack, path: string): void {
  stack.writable('unlink', path)
  const { parent, name } = splitParent(path)
  const dir = lookupDir(stack, parent, 'unlink', path)
  const top = topEntry(dir.lowerDir, name)
  // No lower shows the name: whatever is there is upper's own, and the unlink itself tells ENOENT
  // or EISDIR (the kernel asks only for names it has looked up), so no lstat first.
  if (dir.upper !== null && (top === undefined || top.kind === 'whiteout')) return removeFile(`${dir.upper}/${name}`)
  const node = lookup(stack, path, 'unlink')
  if (isDir(node)) throw new FsError('EISDIR', 'unlink', path)
  if (!node.lowerVisible) return removeFile(node.upper as string)
  hideWithWhiteout(stack, node, 0)
}

export function rmdir(stack: Stack, path: string): void {
  stack.writable('rmdir', path)
  if (path === '') throw new FsError('EBUSY', 'rmdir', path)
  const node = lookup(stack, path, 'rmdir')
  if (!isDir(node)) throw new FsError('ENOTDIR', 'rmdir', path)
  if (!isEmptyDir(node)) throw new FsError('ENOTEMPTY', 'rmdir', path)
  try {
    if (node.lowerVisible) return hideWithWhiteout(stack, node, constants.RENAME_EXCHANGE)
    const upper = node.upper as string
    for (const name of readdirNames(upper)) removeFile(`${upper}/${name}`) // only whiteouts are left
    removeDir(upper)
  } finally {
    stack.dirs.forget(path, true)
  }
}

/** Puts a whiteout where `node` is: renamed over a non-directory, exchanged with a directory. */
function hideWithWhiteout(stack: Stack, node: Node, flags: number): void {
  if (node.upper === null) {
    const parent = ensureUpperDir(stack, splitParent(node.path).parent)
    return makeWhiteout(`${parent.upper}/${splitParent(node.path).name}`)
  }
  const staged = stack.stagingPath()
  makeWhiteout(staged)
  try {
    renameat2(staged, node.upper, flags)
  } finally {
    rm(staged, { recursive: true, force: true })
  }
}
