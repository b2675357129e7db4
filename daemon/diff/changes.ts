/**
 * A container's changes (`docker diff`): its upper directory against the union of its image's
 * layers. With a usable change journal (journal.ts) only the paths it names are looked at; without
 * one upper/ is walked, which also costs what changed, never the image's size. Each entry is looked
 * up in the lower union (overlay/, read-only).
 *   A: nothing was there; C: something was, and its mode, owner, rdev or capability differ, or
 *   (not for directories) its size or mtime; D: a whiteout, or a lower entry hidden by an opaque
 *   directory. A deleted directory is one D, not one per entry. Every parent directory of a
 *   change is a C. Sorted by path.
 * An opaque directory over a lower one (removed and made again, or renamed over it) replaces its
 * whole subtree, yet the answer is still the image's tree against the container's, as Docker
 * users expect: each entry below it is compared with the lower entry at its path (made again
 * and different: C, not A), and each lower entry it no longer has is a D.
 * upper/ is read through overlay/backing-fs.ts: a name that is not UTF-8 is its escaped string
 * (overlay/names.ts), so a change's path holds each such byte as U+DC80..U+DCFF (encodeName gives
 * the bytes back; containers/diff.ts shows them as U+FFFD for the RPC), and a path deeper than
 * PATH_MAX below upper/ is looked at like any other. Sorted by the bytes of the paths.
 * Tests: test/unit/diff/changes.test.ts, test/integration/tree-names.test.ts, test/integration/diff-recreated-dir.test.ts,
 *   test/integration/containers.test.ts, test/unit/diff/journal.test.ts
 */
import type { BigIntStats } from 'node:fs'
import { join } from 'node:path'
import type { ContainerChange } from '../../client/protocol.js'
import { lgetxattrIfAny, lstat, readdirNames } from '../overlay/backing-fs.js'
import { hasCode } from '../overlay/fs-error.js'
import type { Node } from '../overlay/lookup.js'
import { isOpaque, type XattrNamespace } from '../overlay/opaque.js'
import { Overlay } from '../overlay/overlay.js'
import { encodeName } from '../overlay/names.js'
import { isWhiteoutStat } from '../overlay/whiteout.js'
import type { JournalContents } from './journal.js'

const CAPABILITY = 'security.capability'

/**
 * How a directory's entries are visited: 'new' (nothing below it in the lowers: all are A), 'all'
 * (every upper entry compared), 'journal' (only the entries the journal names or leads to),
 * 'replaced' (an opaque directory over a lower one, or a directory below such: every upper entry
 * compared, and the lower entries it lacks are gone).
 */
type Mode = 'new' | 'all' | 'journal' | 'replaced'

export function changesOf(
  upper: string,
  lowers: string[],
  ns: XattrNamespace = 'trusted',
  journal?: JournalContents | null,
): ContainerChange[] {
  const leads = journal ? journalChildren(journal) : undefined
  const before = lowers.length ? new Overlay({ lowers, xattrNamespace: ns }) : undefined
  const lowerOf = (rel: string): Node | null => {
    if (!before) return null
    try {
      return before.lookup(rel)
    } catch (err) {
      if (hasCode(err, 'ENOENT') || hasCode(err, 'ENOTDIR')) return null
      throw err
    }
  }
  const found = new Map<string, ContainerChange['kind']>()
  const walk = (rel: string, mode: Mode) => {
    const names = mode === 'journal' ? [...(leads?.get(rel) ?? [])] : readdirNames(join(upper, rel))
    if (mode === 'replaced') {
      const kept = new Set(names)
      for (const e of (before as Overlay).readdir(rel)) if (!kept.has(e.name)) found.set(`${rel}/${e.name}`, 'D')
    }
    for (const name of names) {
      const path = rel ? `${rel}/${name}` : name
      const st = entryAt(join(upper, path))
      if (!st) continue // noted, but gone again (created and removed)
      const lower = mode === 'new' ? null : lowerOf(path)
      if (isWhiteoutStat(st)) {
        if (lower) found.set(path, 'D')
        continue
      }
      if (!lower) found.set(path, 'A')
      else if (changed(st, join(upper, path), lower)) found.set(path, 'C')
      if (!st.isDirectory()) continue
      // Below a replaced directory nothing of the lowers shows, opaque mark or not (overlayfs
      // marks only the top one), so each directory there is replaced too.
      const below: Mode =
        lower === null || !lower.stat.isDirectory()
          ? 'new'
          : mode === 'replaced' || isOpaque(join(upper, path), ns)
            ? 'replaced'
            : mode === 'all' || journal?.subtrees.has(path)
              ? 'all'
              : 'journal'
      walk(path, below)
    }
  }
  walk('', journal ? 'journal' : 'all')
  for (const path of [...found.keys()])
    for (let i = path.lastIndexOf('/'); i > 0; i = path.lastIndexOf('/', i - 1))
      if (!found.has(path.slice(0, i))) found.set(path.slice(0, i), 'C')
  return [...found]
    .map(([path, kind]) => ({ kind, path: `/${path}` }))
    .sort((a, b) => Buffer.compare(encodeName(a.path), encodeName(b.path)))
}

/**
 * For each directory, the names in it that journaled paths are or lead to. The root's own path
 * ('': a chmod or utime of /, as dpkg does for a package's ./ entry) names nothing in it: diff
 * never shows the root, and as a name of itself it would lead the walk back into the root forever.
 */
function journalChildren(j: JournalContents): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>()
  for (const path of [...j.paths, ...j.subtrees]) {
    if (path === '') continue
    const parts = path.split('/')
    for (let i = 0; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/')
      const set = out.get(dir) ?? new Set<string>()
      set.add(parts[i] as string)
      out.set(dir, set)
    }
  }
  return out
}

/** lstat, or null when nothing is there (ENOTDIR too: a parent became a file). */
function entryAt(path: string): BigIntStats | null {
  try {
    return lstat(path)
  } catch (err) {
    if (hasCode(err, 'ENOENT', 'ENOTDIR')) return null
    throw err
  }
}

function changed(st: BigIntStats, upperPath: string, lower: Node): boolean {
  const l = lower.stat
  if (st.mode !== l.mode || st.uid !== l.uid || st.gid !== l.gid || st.rdev !== l.rdev) return true
  if (!st.isDirectory() && (st.size !== l.size || st.mtimeNs !== l.mtimeNs)) return true
  const capUpper = lgetxattrIfAny(upperPath, CAPABILITY)
  const capLower = lower.lower ? lgetxattrIfAny(lower.lower, CAPABILITY) : null
  return !(capUpper === null ? capLower === null : capLower !== null && capUpper.equals(capLower))
}
