/**
 * readdir of a union directory: upper's entries, then every lower entry not hidden by a name in
 * upper (whiteouts included) or by an opaque upper; whiteouts never shown; sorted by name, so
 * the order is stable across calls and mounts.
 * Tests: test/unit/overlay/overlay.test.ts and the union suite (test/suites/union.ts).
 */
import { readdirEntries } from './backing-fs.js'
import { direntType, type EntryType } from './entry-type.js'
import { FsError } from './fs-error.js'
import { lowerEntries } from './lower-index.js'
import { isDir, type Node } from './lookup.js'
import { isWhiteoutDirent } from './whiteout.js'

export interface DirEntry {
  name: string
  type: EntryType
}

export function readdir(node: Node): DirEntry[] {
  if (!isDir(node)) throw new FsError('ENOTDIR', 'readdir', node.path)
  const out = new Map<string, DirEntry | null>()
  if (node.upper !== null) {
    for (const d of readdirEntries(node.upper)) {
      out.set(d.name, isWhiteoutDirent(node.upper, d) ? null : { name: d.name, type: direntType(d) })
    }
  }
  for (const [name, e] of lowerEntries(node.lowerDir)) {
    if (!out.has(name) && e.kind !== 'whiteout') out.set(name, { name, type: e.type })
  }
  const list = [...out.values()].filter((e): e is DirEntry => e !== null)
  return list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
}

/** True when the union shows nothing in the directory (rmdir may proceed). */
export function isEmptyDir(node: Node): boolean {
  return readdir(node).length === 0
}
