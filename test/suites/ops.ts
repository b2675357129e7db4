/**
 * The operations of the union suite as data, and their execution against a backend: the engine
 * called directly, or a mounted filesystem (kernel overlayfs now, strata-overlay later) through
 * ordinary syscalls. Each run answers 'ok' or the errno name, so results compare across backends.
 */
import { execFileSync } from 'node:child_process'
import {
  appendFileSync,
  chmodSync,
  closeSync,
  constants as fsc,
  linkSync,
  mkdirSync,
  openSync,
  rmdirSync,
  symlinkSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs'
import {
  constants,
  fchownat,
  lremovexattr,
  lsetxattr,
  mknodat,
  renameat2,
  utimensat,
} from '../../native-bindings/index.js'
import type { Overlay } from '../../daemon/overlay/overlay.js'

export type Op =
  | { op: 'write'; path: string; data: string; mode?: number }
  | { op: 'append'; path: string; data: string }
  | { op: 'mkdir'; path: string; mode?: number }
  | { op: 'unlink'; path: string }
  | { op: 'rmdir'; path: string }
  | { op: 'rename'; from: string; to: string; flags?: number }
  | { op: 'chmod'; path: string; mode: number }
  | { op: 'chown'; path: string; uid: number; gid: number }
  | { op: 'utimes'; path: string; atimeNs: bigint; mtimeNs: bigint }
  | { op: 'symlink'; target: string; path: string }
  | { op: 'link'; from: string; to: string }
  | { op: 'mknod'; path: string; type: 'fifo' | 'char' | 'block'; major?: number; minor?: number }
  | { op: 'setxattr'; path: string; name: string; value: string }
  | { op: 'removexattr'; path: string; name: string }
  | { op: 'truncate'; path: string; size: number }

export const opText = (o: Op): string => JSON.stringify(o, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))

const TYPE_BITS = { fifo: constants.S_IFIFO, char: constants.S_IFCHR, block: constants.S_IFBLK }
const NOFOLLOW = constants.AT_SYMLINK_NOFOLLOW
const CWD = constants.AT_FDCWD

/** 'ok' or the error's code; errors without a code are test bugs and propagate. */
export async function outcome(fn: () => unknown): Promise<string> {
  try {
    await fn()
    return 'ok'
  } catch (err) {
    const code = (err as { code?: unknown }).code
    if (typeof code !== 'string') throw err
    return code === 'ENOTSUP' ? 'EOPNOTSUPP' : code
  }
}

function writeAt(path: string, data: string, flags: number, mode = 0o644): void {
  const fd = openSync(path, flags, mode)
  try {
    writeSync(fd, data)
  } finally {
    closeSync(fd)
  }
}

// overlayfs answers EXDEV before rename's other checks; mv then refuses for the real reason.
const MV_REFUSALS: Array<[RegExp, string]> = [
  [/Directory not empty/, 'ENOTEMPTY'],
  [/cannot overwrite non-directory .* with directory|Not a directory/, 'ENOTDIR'],
  [/cannot overwrite directory .* with non-directory|Is a directory/, 'EISDIR'],
  [/cannot move .* to a subdirectory of itself/, 'EINVAL'],
]

/** The oracle's own answer could not be had: the sequence says nothing and is counted apart. */
export const ORACLE_QUIRK = 'ORACLE_QUIRK'

/** What `mv` does on EXDEV (copy, then delete), with its refusals turned back into errno names. */
function mv(from: string, to: string): void {
  try {
    execFileSync('mv', ['-T', '--', from, to], { stdio: 'pipe' })
  } catch (err) {
    const stderr = String((err as { stderr?: unknown }).stderr)
    // mv tripped over a whiteout kernel overlayfs listed but cannot look up (see snapshot.ts phantoms)
    if (/cannot stat .*: No such file or directory/.test(stderr))
      throw Object.assign(new Error(stderr), { code: ORACLE_QUIRK })
    const code = MV_REFUSALS.find(([re]) => re.test(stderr))?.[1]
    throw code ? Object.assign(new Error(stderr), { code }) : err
  }
}

/** Runs `o` through syscalls on a mounted union at `mnt`. EXDEV for a plain rename falls back to mv. */
export async function runOnMount(mnt: string, o: Op): Promise<string> {
  const p = (rel: string) => `${mnt}/${rel}`
  switch (o.op) {
    case 'write':
      return outcome(() => writeAt(p(o.path), o.data, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_TRUNC, o.mode))
    case 'append':
      return outcome(() => writeAt(p(o.path), o.data, fsc.O_WRONLY | fsc.O_APPEND))
    case 'mkdir':
      return outcome(() => mkdirSync(p(o.path), o.mode ?? 0o755))
    case 'unlink':
      return outcome(() => unlinkSync(p(o.path)))
    case 'rmdir':
      return outcome(() => rmdirSync(p(o.path)))
    case 'rename': {
      const r = await outcome(() => renameat2(CWD, p(o.from), CWD, p(o.to), o.flags ?? 0))
      if (r !== 'EXDEV' || (o.flags ?? 0) !== 0) return r
      return outcome(() => mv(p(o.from), p(o.to)))
    }
    case 'chmod':
      return outcome(() => chmodSync(p(o.path), o.mode))
    case 'chown':
      return outcome(() => fchownat(CWD, p(o.path), o.uid, o.gid, NOFOLLOW))
    case 'utimes':
      return outcome(() => utimensat(CWD, p(o.path), o.atimeNs, o.mtimeNs, NOFOLLOW))
    case 'symlink':
      return outcome(() => symlinkSync(o.target, p(o.path)))
    case 'link':
      return outcome(() => linkSync(p(o.from), p(o.to)))
    case 'mknod':
      return outcome(() => mknodat(CWD, p(o.path), TYPE_BITS[o.type] | 0o644, o.major ?? 0, o.minor ?? 0))
    case 'setxattr':
      return outcome(() => lsetxattr(p(o.path), o.name, o.value))
    case 'removexattr':
      return outcome(() => lremovexattr(p(o.path), o.name))
    case 'truncate':
      return outcome(() => truncateSync(p(o.path), o.size))
  }
}

/** Opens `path` for writing through the engine the way the kernel would: create if missing, else copy up. */
async function engineOpen(
  ov: Overlay,
  path: string,
  create: boolean,
  truncate: boolean,
  mode: number,
): Promise<string> {
  ov.lookup(path.split('/').slice(0, -1).join('/')) // ENOENT/ENOTDIR for a missing parent, as open(2)
  try {
    return await ov.openForWrite(path, truncate)
  } catch (err) {
    if (!create || (err as { code?: string }).code !== 'ENOENT') throw err
    ov.create(path, mode)
    return ov.openForWrite(path, false)
  }
}

/** Runs `o` through the engine's API, as the FUSE adapter will. */
export async function runOnEngine(ov: Overlay, o: Op): Promise<string> {
  switch (o.op) {
    case 'write':
      return outcome(async () => writeFileSync(await engineOpen(ov, o.path, true, true, o.mode ?? 0o644), o.data))
    case 'append':
      return outcome(async () => appendFileSync(await engineOpen(ov, o.path, false, false, 0), o.data))
    case 'mkdir':
      return outcome(() => ov.mkdir(o.path, o.mode ?? 0o755))
    case 'unlink':
      return outcome(() => ov.unlink(o.path))
    case 'rmdir':
      return outcome(() => ov.rmdir(o.path))
    case 'rename':
      return outcome(() => ov.rename(o.from, o.to, o.flags ?? 0))
    case 'chmod':
      return outcome(() => ov.setattr(o.path, { mode: o.mode }))
    case 'chown':
      return outcome(() => ov.setattr(o.path, { uid: o.uid, gid: o.gid }))
    case 'utimes':
      return outcome(() => ov.setattr(o.path, { atime: o.atimeNs, mtime: o.mtimeNs }))
    case 'symlink':
      return outcome(() => ov.symlink(o.target, o.path))
    case 'link':
      return outcome(() => ov.link(o.from, o.to))
    case 'mknod':
      return outcome(() => ov.mknod(o.path, TYPE_BITS[o.type] | 0o644, o.major ?? 0, o.minor ?? 0))
    case 'setxattr':
      return outcome(() => ov.setxattr(o.path, o.name, Buffer.from(o.value)))
    case 'removexattr':
      return outcome(() => ov.removexattr(o.path, o.name))
    case 'truncate':
      return outcome(() => ov.setattr(o.path, { size: o.size }))
  }
}
