/**
 * The index over the immutable lower layers: for each directory, which layers contribute to it
 * (top first, cut at the first opaque one) and, per name, the topmost lower entry.
 * Owns: one readdir per (directory, contributing layer), done once, lazily; after that a lookup in
 *   the lowers is a Map hit, whatever the number of layers.
 * Never: looks into a layer below a non-directory or a whiteout, or follows a symlink: a layer's
 *   directory is read only when every ancestor was seen as a real directory in that same layer.
 * Concurrency: synchronous; the lowers never change, so entries are cached for the mount's life.
 * Tests: test/unit/overlay/overlay.test.ts (1,000 layers) and the union suite (test/suites/union.ts).
 */
import { readdirSync } from 'node:fs'
import { backing, joinPath } from './path.js'
import { isOpaque, type XattrNamespace } from './opaque.js'
import { isWhiteoutDirent } from './whiteout.js'
import { direntType, type EntryType } from './entry-type.js'

export type LowerKind = 'dir' | 'other' | 'whiteout'

/** One layer's copy of a directory. */
export interface LayerDir {
  layer: number
  dir: string
}

/** The topmost lower entry of a name; `slot` indexes DirIndex.layers. */
export interface LowerEntry {
  kind: LowerKind
  type: EntryType
  layer: number
  slot: number
}

export interface DirIndex {
  path: string
  layers: LayerDir[]
  /** per slot: name -> kind in that layer */
  perLayer: Map<string, LowerKind>[]
  /** name -> topmost entry (whiteouts included: they hide what lies below) */
  entries: Map<string, LowerEntry>
}

export class LowerIndex {
  private readonly cache = new Map<string, DirIndex | null>()

  constructor(
    private readonly lowers: readonly string[],
    private readonly ns: XattrNamespace,
  ) {}

  root(): DirIndex | null {
    return this.memo('', () =>
      this.lowers.length
        ? build(
            '',
            this.lowers.map((dir, layer) => ({ layer, dir })),
          )
        : null,
    )
  }

  /** The lower part of directory `name` inside `parent`, or null when no lower has it as a directory. */
  child(parent: DirIndex, name: string): DirIndex | null {
    const path = joinPath(parent.path, name)
    return this.memo(path, () => {
      const top = parent.entries.get(name)
      if (!top || top.kind !== 'dir') return null
      return build(path, this.stackOf(parent, name, top.slot))
    })
  }

  /** Layers where `name` continues as a directory: stop at a non-directory, a whiteout or an opaque one. */
  private stackOf(parent: DirIndex, name: string, from: number): LayerDir[] {
    const stack: LayerDir[] = []
    for (let slot = from; slot < parent.layers.length; slot++) {
      const kind = parent.perLayer[slot]?.get(name)
      if (kind === undefined) continue
      if (kind !== 'dir') break
      const { layer, dir } = parent.layers[slot] as LayerDir
      const childDir = `${dir}/${name}`
      stack.push({ layer, dir: childDir })
      if (isOpaque(childDir, this.ns)) break
    }
    return stack
  }

  private memo(path: string, make: () => DirIndex | null): DirIndex | null {
    let hit = this.cache.get(path)
    if (hit === undefined) {
      hit = make()
      this.cache.set(path, hit)
    }
    return hit
  }

  get size(): number {
    return this.cache.size
  }

  backingOf(layer: number, path: string): string {
    return backing(this.lowers[layer] as string, path)
  }
}

function build(path: string, layers: LayerDir[]): DirIndex {
  const perLayer: Map<string, LowerKind>[] = []
  const entries = new Map<string, LowerEntry>()
  layers.forEach(({ layer, dir }, slot) => {
    const kinds = new Map<string, LowerKind>()
    for (const d of readdirSync(dir, { withFileTypes: true })) {
      const kind: LowerKind = d.isDirectory() ? 'dir' : isWhiteoutDirent(dir, d) ? 'whiteout' : 'other'
      kinds.set(d.name, kind)
      if (!entries.has(d.name)) entries.set(d.name, { kind, type: direntType(d), layer, slot })
    }
    perLayer.push(kinds)
  })
  return { path, layers, perLayer, entries }
}
