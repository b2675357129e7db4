/**
 * Snapshots of a tree as sorted text lines, so two trees compare with one t.same and a readable
 * diff: path, type, mode, owner, nlink, size and content hash (files), link target, rdev, mtime
 * (exact when it is a fixture time, else 'recent') and user-visible xattrs (plus opaque marks on
 * upper directories). Times of operations done now differ between runs; fixture times must not.
 */
import { createHash } from 'node:crypto'
import { lstatSync, readdirSync, readFileSync, readlinkSync, type BigIntStats } from 'node:fs'
import { lgetxattr, llistxattr } from '../../native-bindings/index.js'
import type { Overlay } from '../../daemon/overlay/overlay.js'

const RECENT_NS = 1_600_000_000_000_000_000n // 2020: fixtures are older, anything done by a test newer

export interface Described {
  type: string
  mode: number
  uid: number
  gid: number
  nlink: number
  size: bigint
  rdev: number
  mtimeNs: bigint
}

const hash = (b: Buffer) => createHash('sha256').update(b).digest('hex').slice(0, 16)
const time = (ns: bigint) => (ns < RECENT_NS ? String(ns) : 'recent')

function typeOf(st: BigIntStats): string {
  if (st.isDirectory()) return 'dir'
  if (st.isSymbolicLink()) return 'symlink'
  if (st.isCharacterDevice()) return st.rdev === 0n ? 'whiteout' : 'char'
  if (st.isBlockDevice()) return 'block'
  if (st.isFIFO()) return 'fifo'
  if (st.isSocket()) return 'socket'
  return 'file'
}

export function describe(st: BigIntStats): Described {
  return {
    type: typeOf(st),
    mode: Number(st.mode & 0o7777n),
    uid: Number(st.uid),
    gid: Number(st.gid),
    nlink: Number(st.nlink),
    size: st.size,
    rdev: Number(st.rdev),
    mtimeNs: st.mtimeNs,
  }
}

export function line(path: string, d: Described, extra: { content?: Buffer; target?: string; xattrs: string }): string {
  // overlayfs hard-links every whiteout it makes to one shared inode: their nlink says nothing.
  const nlink = d.type === 'whiteout' ? '' : `n${d.nlink}`
  const parts = [`/${path}`, d.type, d.mode.toString(8), `${d.uid}:${d.gid}`, nlink, `t=${time(d.mtimeNs)}`]
  if (d.type === 'file') parts.push(`${d.size}b`, extra.content ? hash(extra.content) : '-')
  if (d.type === 'symlink') parts.push(`-> ${extra.target}`)
  if (d.type === 'char' || d.type === 'block') parts.push(`rdev=${d.rdev}`)
  if (extra.xattrs) parts.push(extra.xattrs)
  return parts.join(' ')
}

function xattrText(names: string[], get: (n: string) => Buffer, keep: (n: string) => boolean): string {
  return names
    .filter(keep)
    .sort()
    .map((n) => `${n}=${get(n).toString('hex')}`)
    .join(',')
}

/**
 * Names kernel overlayfs listed in a directory but could not look up. It happens with a whiteout in
 * a directory that sits above a non-directory of the same name in the next layer: overlayfs then
 * iterates the directory as a plain one and lists the whiteout (a char device lookup hides).
 * strata never lists whiteouts; the snapshot skips such names and counts them for the report.
 */
export const phantoms: string[] = []

function lstatListed(abs: string, raw: boolean): BigIntStats | null {
  try {
    return lstatSync(abs, { bigint: true })
  } catch (err) {
    if (raw || (err as { code?: string }).code !== 'ENOENT') throw err
    phantoms.push(abs)
    return null
  }
}

/** A real directory: a mount point (merged view) or a raw upper/ (whiteouts and opaque marks shown). */
export function snapshotDir(root: string, raw: boolean): string[] {
  const out: string[] = []
  // In upper/, overlayfs's bookkeeping (origin, impure, ...) is not compared; its opaque mark and
  // users' escaped names (trusted.overlay.overlay.*) are.
  const kept = (n: string) =>
    !n.startsWith('trusted.overlay.') || n === 'trusted.overlay.opaque' || n.startsWith('trusted.overlay.overlay.')
  const keep = (n: string) => (raw ? kept(n) : true)
  const walk = (rel: string) => {
    const abs = rel === '' ? root : `${root}/${rel}`
    const st = lstatListed(abs, raw)
    if (st === null) return
    const d = describe(st)
    const content = d.type === 'file' ? readFileSync(abs) : undefined
    const target = d.type === 'symlink' ? readlinkSync(abs) : undefined
    out.push(line(rel, d, { content, target, xattrs: xattrText(llistxattr(abs), (n) => lgetxattr(abs, n), keep) }))
    if (d.type === 'dir') for (const name of readdirSync(abs).sort()) walk(rel === '' ? name : `${rel}/${name}`)
  }
  walk('')
  return out
}

/** The merged view as the engine shows it, through its own API only. */
export function snapshotOverlay(ov: Overlay): string[] {
  const out: string[] = []
  const walk = (rel: string) => {
    const node = ov.lookup(rel)
    const d = describe(node.stat)
    d.nlink = ov.getattr(rel).nlink
    const content = d.type === 'file' ? readFileSync(ov.openForRead(rel)) : undefined
    const target = d.type === 'symlink' ? ov.readlink(rel) : undefined
    const xattrs = xattrText(
      ov.listxattr(rel),
      (n) => ov.getxattr(rel, n),
      () => true,
    )
    out.push(line(rel, d, { content, target, xattrs }))
    if (d.type === 'dir') for (const e of ov.readdir(rel)) walk(rel === '' ? e.name : `${rel}/${e.name}`)
  }
  walk('')
  return out
}
