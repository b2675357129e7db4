/**
 * Seeded random sequences for the union suite: random layer stacks (files, directories, symlinks,
 * whiteouts, opaque directories, hard links, fifos over a small pool of names, so operations
 * collide often) and random operations, applied to the engine and to kernel overlayfs, compared
 * after every step. A failing seed prints the layers and operations: make it a named regression
 * case in union.ts.
 */
import { isDeepStrictEqual } from 'node:util'
import type { Test } from 'tap'
import type { Overlay } from '../../daemon/overlay/overlay.js'
import type { Entry } from '../helpers/fixtures.js'
import { phantoms, snapshotDir } from '../helpers/snapshot.js'
import { ORACLE_QUIRK, opText, type Op } from './ops.js'
import { checkStep, setUp, step, type Sides, type SubjectKind } from './union.js'

type Rng = () => number

/** mulberry32: small, fast, good enough to spread test cases; the same seed gives the same case. */
export function rng(seed: number): Rng {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const PATHS = ['a', 'b', 'd', 'e', 'd/a', 'd/b', 'd/f', 'e/a', 'e/d', 'd/f/a', 'd/f/b', 'e/d/a']
const pick = <T>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T

function randomLayer(r: Rng, bottom: boolean): Entry[] {
  const kinds = new Map<string, string>()
  const entries: Entry[] = []
  for (const path of PATHS) {
    if (r() < 0.45) continue
    const ancestors = path
      .split('/')
      .slice(0, -1)
      .map((_, i, a) => a.slice(0, i + 1).join('/'))
    if (ancestors.some((a) => kinds.has(a) && kinds.get(a) !== 'dir')) continue
    const x = r()
    const kind =
      x < 0.35
        ? 'file'
        : x < 0.6
          ? 'dir'
          : x < 0.7
            ? 'symlink'
            : x < 0.85 && !bottom
              ? 'whiteout'
              : x < 0.92
                ? 'opaque'
                : x < 0.96
                  ? 'hardlink'
                  : 'fifo'
    for (const a of ancestors) kinds.set(a, 'dir')
    kinds.set(path, kind === 'opaque' ? 'dir' : kind)
    entries.push(entryOf(r, kind, path, entries))
  }
  return entries
}

function entryOf(r: Rng, kind: string, path: string, before: Entry[]): Entry {
  const files = before.filter((e) => e.kind === 'file')
  switch (kind) {
    case 'file':
      return { kind: 'file', path, content: `${path}:${Math.floor(r() * 1000)}`, mode: pick(r, [0o644, 0o600, 0o755]) }
    case 'dir':
      return { kind: 'dir', path, mode: pick(r, [0o755, 0o700]) }
    case 'opaque':
      return { kind: 'dir', path, opaque: true }
    case 'symlink':
      return { kind: 'symlink', path, target: pick(r, PATHS) }
    case 'whiteout':
      return { kind: 'whiteout', path }
    case 'hardlink':
      return files.length
        ? { kind: 'hardlink', path, target: pick(r, files).path }
        : { kind: 'file', path, content: '' }
    default:
      return { kind: 'node', path, type: 'fifo', major: 0, minor: 0 }
  }
}

function randomOp(r: Rng): Op {
  const path = pick(r, PATHS)
  const other = pick(r, PATHS)
  const x = Math.floor(r() * 16)
  const ops: Op[] = [
    { op: 'write', path, data: `w${Math.floor(r() * 100)}` },
    { op: 'append', path, data: '+' },
    { op: 'mkdir', path, mode: 0o755 },
    { op: 'unlink', path },
    { op: 'rmdir', path },
    { op: 'rename', from: path, to: other },
    { op: 'rename', from: path, to: other, flags: pick(r, [1, 2]) },
    { op: 'chmod', path, mode: pick(r, [0o600, 0o755, 0o4755]) },
    { op: 'chown', path, uid: pick(r, [0, 1000]), gid: pick(r, [0, 1000]) },
    { op: 'utimes', path, atimeNs: 1_100_000_000_000_000_001n, mtimeNs: 1_200_000_000_000_000_002n },
    { op: 'symlink', target: other, path },
    { op: 'link', from: path, to: other },
    { op: 'truncate', path, size: pick(r, [0, 1, 100]) },
    { op: 'setxattr', path, name: 'user.k', value: 'v' },
    { op: 'removexattr', path, name: 'user.k' },
    { op: 'mknod', path, type: 'fifo' },
  ]
  return ops[x] as Op
}

/**
 * Steps left out: a path through a symlink (the kernel resolves symlinks before strata ever sees a
 * request, so the engine is never asked that), ops that follow a final symlink for the same
 * reason, and data ops on a fifo or device (opening a fifo for writing blocks until a reader comes).
 */
export function skipped(ov: Overlay, op: Op): boolean {
  const statOf = (p: string) => {
    try {
      return ov.lookup(p).stat
    } catch {
      return null // missing or under a non-directory: the op's own result says so
    }
  }
  const isLink = (p: string) => statOf(p)?.isSymbolicLink() ?? false
  const paths = op.op === 'rename' || op.op === 'link' ? [op.from, op.to] : [op.path]
  const parents = paths.flatMap((p) =>
    p
      .split('/')
      .slice(0, -1)
      .map((_, i, a) => a.slice(0, i + 1).join('/')),
  )
  if (parents.some(isLink)) return true
  const target = statOf(paths[0] as string)
  const dataOp = ['write', 'append', 'truncate'].includes(op.op)
  if (dataOp && target && !target.isFile() && !target.isDirectory()) return true
  return (dataOp || op.op === 'chmod') && isLink(paths[0] as string)
}

export interface Sequence {
  seed: number
  layers: Entry[][]
  ops: Op[]
}

export function sequence(seed: number): Sequence {
  const r = rng(seed)
  const n = 1 + Math.floor(r() * 3)
  const layers = Array.from({ length: n }, (_, i) => randomLayer(r, i === n - 1))
  const ops = Array.from({ length: 4 + Math.floor(r() * 8) }, () => randomOp(r))
  return { seed, layers, ops }
}

function same(s: Sides): boolean {
  return (
    isDeepStrictEqual(s.subject.view(), snapshotDir(s.mnt, false)) &&
    isDeepStrictEqual(snapshotDir(s.engineUpper, true), snapshotDir(s.kernelUpper, true))
  )
}

export const oracleQuirks: number[] = []

/** Runs one sequence; quiet when it agrees, a full diff and the case text when it does not. */
export async function runSequence(t: Test, seq: Sequence, kind: SubjectKind = 'engine'): Promise<boolean> {
  const s = await setUp(t, seq.layers, kind)
  const done: Op[] = []
  let ok = same(s)
  for (const op of seq.ops) {
    if (!ok) break
    if (skipped(s.ov, op)) continue
    done.push(op)
    const result = await step(s, op)
    if (result.kernel === ORACLE_QUIRK) {
      oracleQuirks.push(seq.seed)
      break
    }
    ok = (result.engine === result.kernel || checkStep(t, op, result)) && same(s)
  }
  if (!ok) {
    t.same(s.subject.view(), snapshotDir(s.mnt, false), 'merged view')
    t.same(snapshotDir(s.engineUpper, true), snapshotDir(s.kernelUpper, true), 'upper/')
    t.comment(`seed ${seq.seed}\nlayers ${JSON.stringify(seq.layers)}\nops:\n${done.map(opText).join('\n')}`)
  }
  await s.unmount()
  return ok
}

export async function runSeeds(t: Test, first: number, count: number, kind: SubjectKind = 'engine'): Promise<void> {
  let failed = 0
  for (let seed = first; seed < first + count && failed < 5; seed++) {
    const seq = sequence(seed)
    try {
      if (!(await runSequence(t, seq, kind))) failed++
    } catch (err) {
      failed++
      t.error(err, `seed ${seed}: ${seq.ops.map(opText).join(' ')}`)
    }
  }
  t.equal(failed, 0, `${count} random sequences (${kind}) from seed ${first} agree with kernel overlayfs`)
  if (oracleQuirks.length)
    t.comment(`${oracleQuirks.length} sequence(s) cut short: mv on overlayfs failed on such a whiteout`)
  if (phantoms.length) t.comment(`kernel overlayfs listed ${phantoms.length} whiteout(s) it cannot look up (skipped)`)
}
