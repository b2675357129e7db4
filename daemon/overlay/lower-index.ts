/**
 * The index over the immutable lower layers: for each directory, which layers contribute to it
 * (top first, cut at the first opaque one) and, per name, the topmost lower entry.
 * Owns: one readdir per (directory, contributing layer), done once, when a name in the directory is
 *   first asked for (looking a directory up finds its layers only, so listing a directory of 1,000
 *   subdirectories does not read them); after that a lookup in the lowers is a Map hit, whatever
 *   the number of layers.
 * Never: looks into a layer below a non-directory or a whiteout, or follows a symlink: a layer's
 *   directory is read only when every ancestor was seen as a real directory in that same layer.
 * Concurrency: synchronous; the lowers never change, so entries are cached for the mount's life.
 * Tests: test/unit/overlay/overlay.test.ts (1,000 layers) and the union suite (test/suites/union.ts).
 */
import { readdirEntries } from './backing-fs.js'
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

/**
 * Per name, the topmost entry packed in one small integer (slot, type, kind): a directory's index
 * holds one per lower name for the mount's life, and a number in a Map costs nothing beyond its
 * slot, where an object per name cost about 50 bytes (memory is counted per file in bench/).
 */
type Packed = number

/** A directory's lower part: its layers at once, its names at the first question about them. */
export class DirIndex {
  private names: Map<string, Packed> | null = null
  private kinds: (Map<string, LowerKind> | null)[] | null = null

  constructor(
    readonly path: string,
    readonly layers: LayerDir[],
  ) {}

  /** per slot: name -> kind in that layer; null for slot 0, whose kinds `entries` has */
  get perLayer(): (Map<string, LowerKind> | null)[] {
    if (this.kinds === null) this.read()
    return this.kinds as (Map<string, LowerKind> | null)[]
  }

  /** name -> topmost entry (whiteouts included: they hide what lies below); read with topEntry */
  get entries(): Map<string, Packed> {
    if (this.names === null) this.read()
    return this.names as Map<string, Packed>
  }

  /** Reads every layer's copy once (a failure is thrown, and the next question reads again). */
  private read(): void {
    const { perLayer, entries } = build(this.layers)
    this.kinds = perLayer
    this.names = entries
  }
}

const KINDS: readonly LowerKind[] = ['dir', 'other', 'whiteout']
const TYPES: readonly EntryType[] = ['file', 'dir', 'symlink', 'char', 'block', 'fifo', 'socket']

const pack = (kind: LowerKind, type: EntryType, slot: number): Packed =>
  (slot << 5) | (TYPES.indexOf(type) << 2) | KINDS.indexOf(kind)

function unpack(dir: DirIndex, e: Packed): LowerEntry {
  const slot = e >>> 5
  return {
    kind: KINDS[e & 3] as LowerKind,
    type: TYPES[(e >>> 2) & 7] as EntryType,
    slot,
    layer: (dir.layers[slot] as LayerDir).layer,
  }
}

/** The topmost lower entry of `name` in `dir`. */
export function topEntry(dir: DirIndex | null, name: string): LowerEntry | undefined {
  const e = dir?.entries.get(name)
  return e === undefined ? undefined : unpack(dir as DirIndex, e)
}

/** Every name of `dir` with its topmost lower entry. */
export function* lowerEntries(dir: DirIndex | null): Generator<[string, LowerEntry]> {
  if (dir) for (const [name, e] of dir.entries) yield [name, unpack(dir, e)]
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
        ? new DirIndex(
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
      const top = topEntry(parent, name)
      if (!top || top.kind !== 'dir') return null
      return new DirIndex(path, this.stackOf(parent, name, top.slot))
    })
  }

  /** Layers where `name` continues as a directory: stop at a non-directory, a whiteout or an opaque one. */
  private stackOf(parent: DirIndex, name: string, from: number): LayerDir[] {
    const stack: LayerDir[] = []
    for (let slot = from; slot < parent.layers.length; slot++) {
      const kind = slot === from ? 'dir' : parent.perLayer[slot]?.get(name)
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

function build(layers: LayerDir[]): Pick<DirIndex, 'perLayer' | 'entries'> {
  const perLayer: (Map<string, LowerKind> | null)[] = []
  const entries = new Map<string, Packed>()
  layers.forEach(({ dir }, slot) => {
    // stackOf reads a slot's kinds only below the name's topmost slot, so never slot 0's
    const kinds = slot === 0 ? null : new Map<string, LowerKind>()
    for (const d of readdirEntries(dir)) {
      const kind: LowerKind = d.isDirectory() ? 'dir' : isWhiteoutDirent(dir, d) ? 'whiteout' : 'other'
      kinds?.set(d.name, kind)
      if (!entries.has(d.name)) entries.set(d.name, pack(kind, direntType(d), slot))
    }
    perLayer.push(kinds)
  })
  return { perLayer, entries }
}
