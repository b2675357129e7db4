/**
 * The union-semantics suite, written once: each case is fixture layers (top first) plus operations.
 * runCase() builds the same layers twice, runs the operations on the engine and on a mounted union
 * (kernel overlayfs as the oracle), and compares every result code, the merged views and the
 * upper directories. Where strata deliberately differs (renaming a directory that has lower
 * entries: overlayfs answers EXDEV), the mount side does what `mv` does on EXDEV (copy, then
 * delete) and the two must still agree.
 */
import type { Test } from 'tap'
import { Overlay } from '../../daemon/overlay/overlay.js'
import {
  buildStack,
  chardev,
  dir,
  fifo,
  file,
  hardlink,
  opaque,
  symlink,
  whiteout,
  type Entry,
} from '../helpers/fixtures.js'
import { mountKernelOverlay } from '../helpers/kernel-overlay.js'
import { mountStrata } from '../helpers/strata-mount.js'
import { snapshotDir, snapshotOverlay } from '../helpers/snapshot.js'
import { tmpdir } from '../helpers/tmpdir.js'
import { opText, runOnEngine, runOnMount, type Op } from './ops.js'

export interface UnionCase {
  name: string
  /** top layer first */
  layers: Entry[][]
  ops: Op[]
}

type Tap = Pick<Test, 'teardown' | 'same' | 'equal'>

/** What is checked against the oracle: the engine called directly, or a strata-overlay mount. */
export type SubjectKind = 'engine' | 'fuse'

export interface Subject {
  run(op: Op): Promise<string>
  view(): string[]
}

export interface Sides {
  subject: Subject
  /** an engine over the subject's directories, for questions about its state (never for changes) */
  ov: Overlay
  mnt: string
  kernelUpper: string
  engineUpper: string
  unmount(): Promise<void>
}

/** Builds both copies of the layers, mounts the kernel side and sets up the subject. */
export async function setUp(t: Tap, layers: Entry[][], kind: SubjectKind = 'engine'): Promise<Sides> {
  const base = tmpdir(t, 'strata-union-')
  const k = buildStack(`${base}/kernel`, layers)
  const e = buildStack(`${base}/engine`, layers)
  const kernel = mountKernelOverlay(t, k.lowers, k.upper, k.work, `${base}/mnt`)
  const ov = new Overlay({ lowers: e.lowers, upper: e.upper, work: e.work })
  let subject: Subject = { run: (op) => runOnEngine(ov, op), view: () => snapshotOverlay(ov) }
  let unmountSubject = async (): Promise<void> => undefined
  if (kind === 'fuse') {
    const strata = await mountStrata(t, { ...e, mnt: `${base}/strata` })
    subject = { run: (op) => runOnMount(strata.mnt, op), view: () => snapshotDir(strata.mnt, false) }
    unmountSubject = strata.unmount
  }
  const unmount = async () => {
    kernel.unmount()
    await unmountSubject()
  }
  return { subject, ov, mnt: kernel.mnt, kernelUpper: k.upper, engineUpper: e.upper, unmount }
}

export function compareViews(t: Tap, s: Sides, when: string): boolean {
  const merged = t.same(s.subject.view(), snapshotDir(s.mnt, false), `merged view ${when}`)
  const upper = t.same(snapshotDir(s.engineUpper, true), snapshotDir(s.kernelUpper, true), `upper/ ${when}`)
  return merged && upper
}

export interface Outcomes {
  engine: string
  kernel: string
}

/** Runs one op on both sides; a flagged rename the kernel cannot do (EXDEV) is skipped on both. */
export async function step(s: Sides, op: Op): Promise<Outcomes> {
  const kernel = await runOnMount(s.mnt, op)
  if (kernel === 'EXDEV' && op.op === 'rename' && (op.flags ?? 0) !== 0) return { engine: kernel, kernel }
  return { engine: await s.subject.run(op), kernel }
}

export function checkStep(t: Tap, op: Op, { engine, kernel }: Outcomes): boolean {
  return t.equal(engine, kernel, `${opText(op)}: got ${engine}, want ${kernel}`)
}

export async function runCase(t: Tap, c: UnionCase, kind: SubjectKind = 'engine'): Promise<void> {
  const s = await setUp(t, c.layers, kind)
  compareViews(t, s, 'before')
  for (const op of c.ops) checkStep(t, op, await step(s, op))
  compareViews(t, s, 'after')
  await s.unmount()
}

const T = 1_234_567_890_987_654_321n
const CAP = Buffer.from('0100000200200000000000000000000000000000', 'hex') // cap_net_bind_service, v2

export const cases: UnionCase[] = [
  {
    name: 'whiteouts hide lower files and directories',
    layers: [
      [whiteout('a'), whiteout('d')],
      [file('a', 'A'), file('b', 'B'), dir('d'), file('d/x', 'x')],
    ],
    ops: [
      { op: 'write', path: 'a', data: 'new' },
      { op: 'mkdir', path: 'd' },
    ],
  },
  {
    name: 'opaque directories stop the merge',
    layers: [
      [opaque('d'), file('d/top', 't')],
      [file('d/low', 'l'), file('d/top', 'old')],
    ],
    ops: [
      { op: 'unlink', path: 'd/top' },
      { op: 'write', path: 'd/low', data: 'back?' },
    ],
  },
  {
    name: 'delete lower file and directory leaves whiteouts; rmdir of a merged directory',
    layers: [[file('m/b', 'b')], [file('f', 'f'), file('m/a', 'a'), dir('e')]],
    ops: [
      { op: 'unlink', path: 'f' },
      { op: 'rmdir', path: 'm' },
      { op: 'unlink', path: 'm/a' },
      { op: 'unlink', path: 'm/b' },
      { op: 'rmdir', path: 'm' },
      { op: 'rmdir', path: 'e' },
      { op: 'unlink', path: 'f' },
    ],
  },
  {
    name: 'a directory replaced by a file and a file by a directory',
    layers: [[file('d/x', 'x'), file('f', 'f')]],
    ops: [
      { op: 'unlink', path: 'd/x' },
      { op: 'rmdir', path: 'd' },
      { op: 'write', path: 'd', data: 'now a file' },
      { op: 'unlink', path: 'f' },
      { op: 'mkdir', path: 'f', mode: 0o700 },
      { op: 'write', path: 'f/inside', data: 'i' },
    ],
  },
  {
    name: 'lower directory replaced in a higher layer by a file and back',
    layers: [[file('d', 'file over dir')], [dir('d'), file('d/x', 'hidden')], [file('d/y', 'deeper')]],
    ops: [
      { op: 'unlink', path: 'd' },
      { op: 'mkdir', path: 'd' },
      { op: 'write', path: 'd/z', data: 'z' },
    ],
  },
  {
    name: 'copy-up keeps mode, owner, ns times, xattrs and capabilities',
    layers: [
      [
        file('bin/ping', 'elf', { mode: 0o4755, uid: 0, gid: 0, xattrs: { 'security.capability': CAP } }),
        file('srv/data', 'data', { mode: 0o640, uid: 1000, gid: 1001, xattrs: { 'user.tag': 'v', 'trusted.t': 'w' } }),
        dir('srv', { mode: 0o750, uid: 1000, gid: 1001 }),
      ],
    ],
    ops: [
      { op: 'append', path: 'srv/data', data: '+more' },
      { op: 'setxattr', path: 'bin/ping', name: 'user.x', value: '1' },
      { op: 'utimes', path: 'srv', atimeNs: T, mtimeNs: T },
    ],
  },
  {
    name: 'metadata-only changes: chmod, chown, utimes, truncate, removexattr',
    layers: [[file('a', 'aaaa', { xattrs: { 'user.k': 'v' } }), file('b', 'bbbb'), symlink('l', 'a'), fifo('p')]],
    ops: [
      { op: 'chmod', path: 'a', mode: 0o600 },
      { op: 'chown', path: 'b', uid: 7, gid: 8 },
      { op: 'chown', path: 'l', uid: 9, gid: 9 },
      { op: 'utimes', path: 'p', atimeNs: T, mtimeNs: T + 1n },
      { op: 'truncate', path: 'b', size: 2 },
      { op: 'truncate', path: 'a', size: 0 },
      { op: 'removexattr', path: 'a', name: 'user.k' },
      { op: 'removexattr', path: 'b', name: 'user.none' },
      { op: 'setxattr', path: 'b', name: 'trusted.overlay.opaque', value: 'y' },
    ],
  },
  {
    name: 'escaped overlay xattrs: set through the union, and carried by a lower layer',
    layers: [[file('a', 'a', { xattrs: { 'trusted.overlay.overlay.origin': 'nested' } }), dir('d')]],
    ops: [
      { op: 'append', path: 'a', data: '+' },
      { op: 'setxattr', path: 'd', name: 'trusted.overlay.opaque', value: 'y' },
      { op: 'removexattr', path: 'a', name: 'trusted.overlay.origin' },
    ],
  },
  {
    name: 'hard links: in a lower layer, and made through the union',
    layers: [[file('a', 'shared'), hardlink('b', 'a'), dir('d')]],
    ops: [
      { op: 'link', from: 'a', to: 'd/c' },
      { op: 'append', path: 'b', data: '+b' },
      { op: 'link', from: 'd', to: 'dl' },
      { op: 'link', from: 'missing', to: 'x' },
      { op: 'link', from: 'a', to: 'b' },
    ],
  },
  {
    name: 'symlinks: relative, absolute, dangling, looping',
    layers: [
      [
        symlink('rel', 'target'),
        file('target', 't'),
        symlink('abs', '/etc/passwd'),
        symlink('dangling', 'nowhere'),
        symlink('loop1', 'loop2'),
        symlink('loop2', 'loop1'),
      ],
    ],
    ops: [
      { op: 'symlink', target: '../up/../x', path: 'new' },
      { op: 'rename', from: 'dangling', to: 'moved' },
      { op: 'unlink', path: 'loop1' },
      { op: 'symlink', target: 'x', path: 'rel' },
      { op: 'setxattr', path: 'abs', name: 'trusted.mark', value: 'm' },
    ],
  },
  {
    name: 'a lower symlink to / under a higher real directory is never followed',
    layers: [[dir('etc'), file('etc/hosts', 'mine')], [symlink('etc', '/')]],
    // Harmless even if followed: these names never exist on the host (the test checks it).
    ops: [
      { op: 'write', path: 'etc/strata-canary', data: 'must stay in the union' },
      { op: 'unlink', path: 'etc/strata-canary-none' },
      { op: 'mkdir', path: 'etc/strata-canary-dir' },
    ],
  },
  {
    name: 'devices and fifos',
    layers: [[chardev('dev/null', 1, 3), fifo('run/fifo')]],
    ops: [
      { op: 'mknod', path: 'dev/zero', type: 'char', major: 1, minor: 5 },
      { op: 'mknod', path: 'dev/sda', type: 'block', major: 8, minor: 0 },
      { op: 'mknod', path: 'dev/wh', type: 'char', major: 0, minor: 0 },
      { op: 'mknod', path: 'run/p2', type: 'fifo' },
      { op: 'chmod', path: 'dev/null', mode: 0o666 },
      { op: 'rename', from: 'run/fifo', to: 'run/fifo2' },
    ],
  },
  {
    name: 'renames: files, over files, NOREPLACE, EXCHANGE, into own subtree',
    layers: [[file('a', 'a'), file('b', 'b'), file('d/c', 'c'), dir('e')]],
    ops: [
      { op: 'rename', from: 'a', to: 'b', flags: 1 },
      { op: 'rename', from: 'a', to: 'b', flags: 2 },
      { op: 'rename', from: 'a', to: 'b' },
      { op: 'rename', from: 'b', to: 'd/b' },
      { op: 'rename', from: 'd', to: 'd/sub' },
      { op: 'rename', from: 'd/c', to: 'e' },
      { op: 'rename', from: 'none', to: 'x' },
      { op: 'rename', from: 'd/b', to: 'd/b' },
    ],
  },
  {
    name: 'renaming a directory from a lower layer (overlayfs: EXDEV, then mv copies)',
    layers: [
      [file('src/new', 'n'), whiteout('src/gone'), dir('src/sub'), file('src/sub/s2', 's2')],
      [file('src/old', 'o'), file('src/gone', 'g'), file('src/sub/s1', 's1', { mode: 0o600 }), dir('dst')],
    ],
    ops: [
      { op: 'write', path: 'src/old', data: 'changed' },
      { op: 'rename', from: 'src', to: 'moved' },
      { op: 'rename', from: 'moved/sub', to: 'dst' },
      { op: 'rmdir', path: 'dst/none' },
    ],
  },
  {
    name: 'deep trees and 255-byte names',
    layers: [[file(`${'d/'.repeat(40)}leaf`, 'deep'), file('n'.repeat(255), 'long')]],
    ops: [
      { op: 'write', path: `${'d/'.repeat(40)}leaf`, data: 'deeper' },
      { op: 'write', path: `${'d/'.repeat(20)}${'x'.repeat(255)}`, data: 'long' },
      { op: 'write', path: 'y'.repeat(256), data: 'too long' },
      { op: 'rename', from: 'n'.repeat(255), to: 'm'.repeat(255) },
    ],
  },
  {
    name: '2,000 entries in one directory, spread over two layers and upper',
    layers: [
      Array.from({ length: 700 }, (_, i) => file(`big/h${i}`, `h${i}`)),
      Array.from({ length: 1000 }, (_, i) => file(`big/l${i}`, `l${i}`)),
    ],
    ops: Array.from({ length: 300 }, (_, i): Op => ({ op: 'write', path: `big/u${i}`, data: 'u' })).concat([
      { op: 'unlink', path: 'big/l0' },
      { op: 'append', path: 'big/l999', data: '+' },
    ]),
  },
  // Regression cases found by the random sequences (test/suites/random.ts), named by what they pin.
  {
    name: 'regression: link of a directory onto a taken name is EEXIST and copies nothing up',
    layers: [[dir('e/a'), file('e/d', 'd')]],
    ops: [
      { op: 'link', from: 'e/a', to: 'e/d' },
      { op: 'link', from: 'e/a', to: 'e/new' },
    ],
  },
  {
    name: 'regression: rename resolves both parents before the source (ENOTDIR over ENOENT)',
    layers: [[file('d', 'file'), dir('e')]],
    ops: [
      { op: 'rename', from: 'e/missing', to: 'd/x', flags: 1 },
      { op: 'rename', from: 'e/missing', to: 'd/x' },
    ],
  },
  {
    name: 'regression: rename onto an ancestor is ENOTEMPTY before any type check',
    layers: [[symlink('d/a', 'x'), file('d/b', 'b')]],
    ops: [
      { op: 'rename', from: 'd/a', to: 'd' },
      { op: 'rename', from: 'd', to: 'd/b/c' },
    ],
  },
  {
    name: 'regression: user.* xattr changes on symlinks and fifos are EPERM without copy-up',
    layers: [[symlink('l', 'x'), fifo('p')]],
    ops: [
      { op: 'removexattr', path: 'l', name: 'user.k' },
      { op: 'setxattr', path: 'p', name: 'user.k', value: 'v' },
    ],
  },
  {
    name: 'regression: renaming one lower hard link onto another renames (no same-inode no-op)',
    layers: [[file('b', 'data'), hardlink('d/a', 'b'), file('c', 'c'), hardlink('e', 'c')]],
    ops: [
      { op: 'rename', from: 'd/a', to: 'b' },
      { op: 'link', from: 'c', to: 'c2' },
      { op: 'rename', from: 'c2', to: 'c' },
    ],
  },
  {
    name: 'hard links keep every name: two of three names unlinked, the third still serves',
    layers: [[dir('d')]],
    ops: [
      { op: 'write', path: 'n0', data: 'x' },
      { op: 'link', from: 'n0', to: 'n1' },
      { op: 'link', from: 'n1', to: 'd/n2' },
      { op: 'unlink', path: 'n0' },
      { op: 'unlink', path: 'd/n2' },
      { op: 'chmod', path: 'n1', mode: 0o600 },
      { op: 'append', path: 'n1', data: 'y' },
      { op: 'mknod', path: 'p0', type: 'fifo' },
      { op: 'link', from: 'p0', to: 'p1' },
      { op: 'link', from: 'p1', to: 'p2' },
      { op: 'chown', path: 'p2', uid: 7, gid: 8 },
      { op: 'unlink', path: 'p0' },
      { op: 'unlink', path: 'p2' },
      { op: 'chmod', path: 'p1', mode: 0o640 },
      { op: 'mknod', path: 'c0', type: 'char', major: 1, minor: 3 },
      { op: 'link', from: 'c0', to: 'c1' },
      { op: 'link', from: 'c1', to: 'c2' },
      { op: 'unlink', path: 'c2' },
      { op: 'unlink', path: 'c0' },
      { op: 'utimes', path: 'c1', atimeNs: T, mtimeNs: T },
    ],
  },
  {
    name: 'hard links renamed round a circle with a gap (unionmount rename-mass-5)',
    layers: [[file('f0', 'same'), hardlink('f1', 'f0'), hardlink('f2', 'f0'), hardlink('f3', 'f0'), dir('d')]],
    ops: [
      { op: 'rename', from: 'f3', to: 'd/gap' },
      { op: 'rename', from: 'f2', to: 'f3' },
      { op: 'rename', from: 'f1', to: 'f2' },
      { op: 'rename', from: 'f0', to: 'f1' },
      { op: 'rename', from: 'd/gap', to: 'f0' },
      { op: 'append', path: 'f2', data: '+' },
      { op: 'link', from: 'f0', to: 'g0' },
      { op: 'link', from: 'g0', to: 'g1' },
      { op: 'rename', from: 'g1', to: 'd/gap' },
      { op: 'rename', from: 'g0', to: 'g1' },
      { op: 'rename', from: 'f0', to: 'g0' },
      { op: 'rename', from: 'd/gap', to: 'f0' },
      { op: 'chmod', path: 'g1', mode: 0o611 },
    ],
  },
  {
    name: 'regression: a renamed merged directory keeps the opaque mark of its upper-only subdirectory',
    layers: [
      [dir('d/f'), dir('e/d'), file('e/d/a', 'a')],
      [dir('d/f/b'), dir('d/a', { mode: 0o700 })],
    ],
    ops: [
      { op: 'rename', from: 'e/d', to: 'd/f/b' },
      { op: 'rename', from: 'd/f', to: 'd/a' },
    ],
  },
  {
    name: 'errors: missing parents, files as directories, non-empty rmdir',
    layers: [[file('f', 'f'), file('d/x', 'x')]],
    ops: [
      { op: 'write', path: 'nope/x', data: '' },
      { op: 'write', path: 'f/x', data: '' },
      { op: 'mkdir', path: 'f' },
      { op: 'rmdir', path: 'd' },
      { op: 'rmdir', path: 'f' },
      { op: 'unlink', path: 'd' },
      { op: 'mkdir', path: 'd/x/y' },
    ],
  },
]
