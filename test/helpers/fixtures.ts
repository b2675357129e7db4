/**
 * Declarative layer fixtures: `buildLayer(dir, [file('etc/hosts', 'x'), whiteout('tmp'), opaque('var')])`.
 * Layers are written in overlayfs's on-disk format; parents are implied (0755); every entry gets
 * the fixed FIXTURE_TIME (ns) so copies made at different moments compare equal.
 */
import { chmodSync, linkSync, lstatSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { constants, fchownat, lsetxattr, mknodat, mkwhiteout, utimensat } from '../../native-bindings/index.js'

export const FIXTURE_TIME = 1_000_000_000_123_456_789n

interface Meta {
  mode?: number
  uid?: number
  gid?: number
  xattrs?: Record<string, string | Buffer>
}

export type Entry =
  | ({ kind: 'file'; path: string; content: string | Buffer } & Meta)
  | ({ kind: 'dir'; path: string; opaque?: boolean } & Meta)
  | ({ kind: 'symlink'; path: string; target: string } & Meta)
  | ({ kind: 'node'; path: string; type: 'fifo' | 'char' | 'block'; major: number; minor: number } & Meta)
  | { kind: 'whiteout'; path: string }
  | { kind: 'hardlink'; path: string; target: string }

export const file = (path: string, content: string | Buffer = '', meta: Meta = {}): Entry => ({
  kind: 'file',
  path,
  content,
  ...meta,
})
export const dir = (path: string, meta: Meta = {}): Entry => ({ kind: 'dir', path, ...meta })
export const opaque = (path: string, meta: Meta = {}): Entry => ({ kind: 'dir', path, opaque: true, ...meta })
export const symlink = (path: string, target: string, meta: Meta = {}): Entry => ({
  kind: 'symlink',
  path,
  target,
  ...meta,
})
export const whiteout = (path: string): Entry => ({ kind: 'whiteout', path })
export const hardlink = (path: string, target: string): Entry => ({ kind: 'hardlink', path, target })
export const fifo = (path: string, meta: Meta = {}): Entry => ({
  kind: 'node',
  path,
  type: 'fifo',
  major: 0,
  minor: 0,
  ...meta,
})
export const chardev = (path: string, major: number, minor: number, meta: Meta = {}): Entry => ({
  kind: 'node',
  path,
  type: 'char',
  major,
  minor,
  ...meta,
})

const TYPE_BITS = { fifo: constants.S_IFIFO, char: constants.S_IFCHR, block: constants.S_IFBLK }

function ensureParent(root: string, path: string, made: string[]): void {
  const parent = dirname(join(root, path))
  if (parent === root) return
  ensureParent(root, dirname(path), made)
  try {
    lstatSync(parent)
  } catch {
    mkdirSync(parent, { mode: 0o755 })
    made.push(parent)
  }
}

function create(root: string, e: Entry): void {
  const p = join(root, e.path)
  switch (e.kind) {
    case 'file':
      writeFileSync(p, e.content, { mode: 0o644 })
      break
    case 'dir':
      mkdirSync(p, { mode: 0o755, recursive: true }) // may exist already, implied by an earlier entry
      if (e.opaque) lsetxattr(p, 'trusted.overlay.opaque', 'y')
      break
    case 'symlink':
      symlinkSync(e.target, p)
      break
    case 'node':
      mknodat(constants.AT_FDCWD, p, TYPE_BITS[e.type] | 0o644, e.major, e.minor)
      break
    case 'whiteout':
      mkwhiteout(constants.AT_FDCWD, p)
      break
    case 'hardlink':
      linkSync(join(root, e.target), p)
      break
  }
  if (e.kind === 'whiteout' || e.kind === 'hardlink') return
  fchownat(constants.AT_FDCWD, p, e.uid ?? 0, e.gid ?? 0, constants.AT_SYMLINK_NOFOLLOW)
  if (e.kind !== 'symlink' && e.mode !== undefined) chmodSync(p, e.mode)
  for (const [name, value] of Object.entries(e.xattrs ?? {})) lsetxattr(p, name, value)
}

/** Writes the entries into `root` (which must exist), then fixes every time to FIXTURE_TIME. */
export function buildLayer(root: string, entries: Entry[]): void {
  const made: string[] = []
  for (const e of entries) {
    ensureParent(root, e.path, made)
    create(root, e)
  }
  const all = [...entries.map((e) => join(root, e.path)), ...made].sort((a, b) => b.length - a.length)
  for (const p of [...all, root]) {
    utimensat(constants.AT_FDCWD, p, FIXTURE_TIME, FIXTURE_TIME, constants.AT_SYMLINK_NOFOLLOW)
  }
}

export interface StackDirs {
  /** top first, as lowerdir= */
  lowers: string[]
  upper: string
  work: string
}

/** Builds `layers` (top first) as `dir`/l0, l1, ... and makes empty `dir`/upper and `dir`/work. */
export function buildStack(dir: string, layers: Entry[][]): StackDirs {
  const lowers = layers.map((entries, i) => {
    const d = `${dir}/l${i}`
    mkdirSync(d, { recursive: true })
    buildLayer(d, entries)
    return d
  })
  for (const d of ['upper', 'work']) mkdirSync(`${dir}/${d}`, { recursive: true })
  return { lowers, upper: `${dir}/upper`, work: `${dir}/work` }
}
