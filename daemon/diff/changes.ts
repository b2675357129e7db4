/**
 * A container's changes (`docker diff`): its upper directory against the union of its image's
 * layers. Only upper/ is walked, so the cost follows the number of changes, not the image size;
 * each upper entry is looked up in the lower union (overlay/, read-only).
 *   A: nothing was there; C: something was, and its mode, owner, rdev or capability differ, or
 *   (not for directories) its size or mtime; D: a whiteout, or a lower entry hidden by an opaque
 *   directory. A deleted directory is one D, not one per entry. Every parent directory of a
 *   change is a C. Sorted by path.
 */
import { lstatSync, readdirSync, type BigIntStats } from 'node:fs'
import { join } from 'node:path'
import type { ContainerChange } from '../../client/protocol.js'
import { lgetxattrIfAny } from '../../native-bindings/index.js'
import { hasCode } from '../overlay/fs-error.js'
import type { Node } from '../overlay/lookup.js'
import { isOpaque, type XattrNamespace } from '../overlay/opaque.js'
import { Overlay } from '../overlay/overlay.js'
import { isWhiteoutStat } from '../overlay/whiteout.js'

const CAPABILITY = 'security.capability'

export function changesOf(upper: string, lowers: string[], ns: XattrNamespace = 'trusted'): ContainerChange[] {
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
  const walk = (rel: string, isNew: boolean) => {
    for (const name of readdirSync(join(upper, rel))) {
      const path = rel ? `${rel}/${name}` : name
      const st = lstatSync(join(upper, path), { bigint: true })
      const lower = isNew ? null : lowerOf(path)
      if (isWhiteoutStat(st)) {
        if (lower) found.set(path, 'D')
        continue
      }
      if (!lower) found.set(path, 'A')
      else if (changed(st, join(upper, path), lower)) found.set(path, 'C')
      if (!st.isDirectory()) continue
      const opaque = lower !== null && lower.stat.isDirectory() && isOpaque(join(upper, path), ns)
      if (opaque) {
        const kept = new Set(readdirSync(join(upper, path)))
        for (const e of (before as Overlay).readdir(path)) if (!kept.has(e.name)) found.set(`${path}/${e.name}`, 'D')
      }
      walk(path, lower === null || !lower.stat.isDirectory() || opaque)
    }
  }
  walk('', false)
  for (const path of [...found.keys()])
    for (let i = path.lastIndexOf('/'); i > 0; i = path.lastIndexOf('/', i - 1))
      if (!found.has(path.slice(0, i))) found.set(path.slice(0, i), 'C')
  return [...found]
    .map(([path, kind]) => ({ kind, path: `/${path}` }))
    .sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)))
}

function changed(st: BigIntStats, upperPath: string, lower: Node): boolean {
  const l = lower.stat
  if (st.mode !== l.mode || st.uid !== l.uid || st.gid !== l.gid || st.rdev !== l.rdev) return true
  if (!st.isDirectory() && (st.size !== l.size || st.mtimeNs !== l.mtimeNs)) return true
  const capUpper = lgetxattrIfAny(upperPath, CAPABILITY)
  const capLower = lower.lower ? lgetxattrIfAny(lower.lower, CAPABILITY) : null
  return !(capUpper === null ? capLower === null : capLower !== null && capUpper.equals(capLower))
}
