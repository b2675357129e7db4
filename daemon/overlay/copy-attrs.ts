/**
 * Copying an entry's metadata onto a staged copy: owner, mode, user-visible xattrs (security.capability
 * included) and nanosecond times, in the order that keeps each: chown first (it clears suid/sgid and
 * capabilities), then mode, then xattrs, times last (the others touch ctime only).
 */
import type { BigIntStats } from 'node:fs'
import { fgetxattr, flistxattr, fsetxattr } from '../../native-bindings/index.js'
import { chmod, fchownat, lgetxattr, llistxattr, lsetxattr, utimens } from './backing-fs.js'
import { xattrNames, type XattrNamespace } from './opaque.js'

/** Every xattr but overlay's private ones (escaped user names are kept: they are the user's). */
export function copyXattrs(from: string, to: string, ns: XattrNamespace): void {
  const names = xattrNames(ns)
  for (const name of llistxattr(from)) {
    if (names.shown(name) !== null) lsetxattr(to, name, lgetxattr(from, name))
  }
}

/** copyXattrs between two open files. */
export function copyXattrsFd(from: number, to: number, ns: XattrNamespace): void {
  const names = xattrNames(ns)
  for (const name of flistxattr(from)) {
    if (names.shown(name) !== null) fsetxattr(to, name, fgetxattr(from, name))
  }
}

export function copyAttrs(from: string, st: BigIntStats, to: string, ns: XattrNamespace): void {
  fchownat(to, Number(st.uid), Number(st.gid))
  if (!st.isSymbolicLink()) chmod(to, Number(st.mode & 0o7777n))
  copyXattrs(from, to, ns)
  setTimes(to, st)
}

export function setTimes(path: string, st: BigIntStats): void {
  utimens(path, st.atimeNs, st.mtimeNs)
}
