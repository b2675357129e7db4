/**
 * The calls on backing paths (a layer's directory plus a union path): every syscall overlay/ and
 * the FUSE ops make with a path inside a layer goes through here, for two things the kernel would
 * otherwise refuse or change:
 * - Long paths. A path argument must be shorter than PATH_MAX (4,096 bytes), but the union lets a
 *   path below the mount be that long, and the layer's own directory comes on top. A path that
 *   does not fit is taken in pieces: each piece's directory is opened O_PATH and the rest is
 *   reached through /proc/self/fd/N; the descriptors are closed when the call returns. Nothing is
 *   kept open, so a rename or rmdir afterwards cannot leave a stale directory behind.
 * - Names that are not UTF-8: such a path's string carries escaped bytes (names.ts) and is given
 *   to the kernel as its bytes; names read back (readdir, readlink) are decoded the same way.
 * Paths that are short and UTF-8 (nearly all) go to the call as they are.
 * Tests: test/unit/overlay/backing-fs.test.ts, test/integration/fuse-deep-paths.test.ts
 */
import * as fs from 'node:fs'
import type { BigIntStats, Dirent, MakeDirectoryOptions, RmOptions } from 'node:fs'
import * as native from '../../native-bindings/index.js'
import type { PathArg, TimeSpec } from '../../native-bindings/index.js'
import { decodeName, encodeName, hasEscapes } from './names.js'

/** The longest path argument made here, in bytes (PATH_MAX counts the NUL; /proc/self/fd/N/ on top). */
const FITS = 4000
const O_PATH = 0o10000000

/** Calls `call` with `path` as the kernel takes it; a long path's directory descriptors are closed after. */
export function withPath<T>(path: string, call: (p: PathArg) => T): T {
  if (path.length < FITS / 3 && !hasEscapes(path)) return call(path) // at most 3 UTF-8 bytes a code unit
  const bytes = encodeName(path)
  if (bytes.length < FITS) return call(hasEscapes(path) ? bytes : path)
  const fds: number[] = []
  try {
    return call(shorten(bytes, fds))
  } finally {
    for (const fd of fds) fs.closeSync(fd)
  }
}

/** Two paths, each fitted (rename, link). */
const withPaths = <T>(a: string, b: string, call: (a: PathArg, b: PathArg) => T): T =>
  withPath(a, (pa) => withPath(b, (pb) => call(pa, pb)))

/** `bytes` as a path under FITS bytes: directories along it opened O_PATH (their fds pushed on `fds`). */
function shorten(bytes: Buffer, fds: number[]): Buffer {
  let prefix = Buffer.alloc(0)
  let rest = bytes
  while (prefix.length + rest.length >= FITS) {
    const cut = rest.lastIndexOf(0x2f, FITS - prefix.length - 1) // '/'
    if (cut <= 0) throw Object.assign(new Error('path component too long'), { code: 'ENAMETOOLONG' })
    const dir = Buffer.concat([prefix, rest.subarray(0, cut)])
    const fd = fs.openSync(dir, O_PATH | fs.constants.O_DIRECTORY | fs.constants.O_NOFOLLOW)
    fds.push(fd)
    prefix = Buffer.from(`/proc/self/fd/${fd}/`)
    rest = rest.subarray(cut + 1)
  }
  return Buffer.concat([prefix, rest])
}

export function lstatOrNull(path: string): BigIntStats | null {
  return withPath(path, (p) => fs.lstatSync(p, { bigint: true, throwIfNoEntry: false })) ?? null
}
export const lstat = (path: string): BigIntStats => withPath(path, (p) => fs.lstatSync(p, { bigint: true }))
export const open = (path: string, flags: number, mode?: number): number =>
  withPath(path, (p) => fs.openSync(p, flags, mode))
/** A whole file's bytes. */
export const readFile = (path: string): Buffer => withPath(path, (p) => fs.readFileSync(p))
export const mkdir = (path: string, opts: MakeDirectoryOptions): void => {
  withPath(path, (p) => fs.mkdirSync(p, opts))
}
export const rm = (path: string, opts: RmOptions): void => withPath(path, (p) => fs.rmSync(p, opts))
/**
 * `rm -rf`: the tree at `path` is removed, however deep. Node's recursive rm names each entry by
 * its whole path, so past PATH_MAX it fails (ENAMETOOLONG); the tree is then removed entry by entry
 * from here, each call fitted by withPath. Nothing there is no error.
 */
export function removeTree(path: string): void {
  try {
    return rm(path, { recursive: true, force: true })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENAMETOOLONG') throw err
  }
  const removeBelow = (dir: string): void => {
    for (const e of readdirEntries(dir)) {
      const child = `${dir}/${e.name}`
      if (e.isDirectory()) {
        removeBelow(child)
        rmdir(child)
      } else unlink(child)
    }
  }
  removeBelow(path)
  rmdir(path)
}
export const rmdir = (path: string): void => withPath(path, (p) => fs.rmdirSync(p))
export const unlink = (path: string): void => withPath(path, (p) => fs.unlinkSync(p))
export const chmod = (path: string, mode: number): void => withPath(path, (p) => fs.chmodSync(p, mode))
export const link = (existing: string, path: string): void => withPaths(existing, path, (a, b) => fs.linkSync(a, b))
export const symlink = (target: string, path: string): void =>
  withPath(path, (p) => fs.symlinkSync(encodeName(target), p))

/** The target of a symlink, its bytes decoded as names are. */
export const readlink = (path: string): string =>
  decodeName(withPath(path, (p) => fs.readlinkSync(p, { encoding: 'buffer' })))

/**
 * The names in a directory. Node decodes them as UTF-8 (a byte that is not becomes U+FFFD), so a
 * listing that shows U+FFFD is read again as bytes and decoded as names.ts does.
 */
export function readdirNames(path: string): string[] {
  const names = withPath(path, (p) => fs.readdirSync(p))
  if (!names.some((n) => n.includes('\uFFFD'))) return names
  return withPath(path, (p) => fs.readdirSync(p, { encoding: 'buffer' })).map(decodeName)
}

/** A directory entry: its name (decoded as names.ts does) and type. */
export type Entry = Pick<Dirent, EntryTests> & { name: string }
type EntryTests =
  'isDirectory' | 'isFile' | 'isSymbolicLink' | 'isCharacterDevice' | 'isBlockDevice' | 'isFIFO' | 'isSocket'

/** readdirNames with each entry's type. */
export function readdirEntries(path: string): Entry[] {
  const entries = withPath(path, (p) => fs.readdirSync(p, { withFileTypes: true }))
  if (!entries.some((d) => d.name.includes('\uFFFD'))) return entries
  return withPath(path, (p) => fs.readdirSync(p, { withFileTypes: true, encoding: 'buffer' })).map((d) =>
    Object.assign(d, { name: decodeName(d.name) }),
  ) as unknown as Entry[]
}

/** lchown: ids up to 2^32 - 2 (the addon's fchownat takes those that fit an int). */
export const lchown = (path: string, uid: number, gid: number): void =>
  withPath(path, (p) => fs.lchownSync(p, uid, gid))
export const fchownat = (path: string, uid: number, gid: number): void =>
  withPath(path, (p) => native.fchownat(native.constants.AT_FDCWD, p, uid, gid, native.constants.AT_SYMLINK_NOFOLLOW))
export const utimens = (path: string, atime: TimeSpec, mtime: TimeSpec): void =>
  withPath(path, (p) =>
    native.utimensat(native.constants.AT_FDCWD, p, atime, mtime, native.constants.AT_SYMLINK_NOFOLLOW),
  )
export const mknod = (path: string, mode: number, major: number, minor: number): void =>
  withPath(path, (p) => native.mknodat(native.constants.AT_FDCWD, p, mode, major, minor))
export const mkwhiteout = (path: string): void => withPath(path, (p) => native.mkwhiteout(native.constants.AT_FDCWD, p))
export const renameat2 = (from: string, to: string, flags: number): void =>
  withPaths(from, to, (a, b) => native.renameat2(native.constants.AT_FDCWD, a, native.constants.AT_FDCWD, b, flags))

export const lgetxattr = (path: string, name: string): Buffer => withPath(path, (p) => native.lgetxattr(p, name))
export const lgetxattrIfAny = (path: string, name: string): Buffer | null =>
  withPath(path, (p) => native.lgetxattrIfAny(p, name))
export const llistxattr = (path: string): string[] => withPath(path, (p) => native.llistxattr(p))
export const lsetxattr = (path: string, name: string, value: Buffer | string, flags = 0): void =>
  withPath(path, (p) => native.lsetxattr(p, name, value, flags))
export const lremovexattr = (path: string, name: string): void => withPath(path, (p) => native.lremovexattr(p, name))
