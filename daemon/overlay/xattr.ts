/**
 * Extended attributes through the union: read from the entry shown, written to its upper copy.
 * overlayfs's private attributes are never shown; names in its namespace are escaped as
 * Linux 6.7+ does (opaque.ts: xattrNames).
 * Tests: test/unit/overlay/overlay.test.ts and the union suite (test/suites/union.ts).
 */
import { fgetxattr, flistxattr } from '../../native-bindings/index.js'
import { lgetxattr, llistxattr, lremovexattr, lsetxattr } from './backing-fs.js'
import { copyUp } from './copy-up.js'
import { FsError } from './fs-error.js'
import { lookup, lookupDir, shownPath, type Node } from './lookup.js'
import { xattrNames } from './opaque.js'
import type { Stack } from './stack.js'

export function getxattr(stack: Stack, node: Node, name: string): Buffer {
  return lgetxattr(shownPath(node), xattrNames(stack.ns).stored(name))
}

export function listxattr(stack: Stack, node: Node): string[] {
  return shownNames(stack, llistxattr(shownPath(node)))
}

/** getxattr through a descriptor: a copy handed out before its install (copy-up.ts copyUpLater). */
export function getxattrFd(stack: Stack, fd: number, name: string): Buffer {
  return fgetxattr(fd, xattrNames(stack.ns).stored(name))
}

/** listxattr through a descriptor, as getxattrFd. */
export function listxattrFd(stack: Stack, fd: number): string[] {
  return shownNames(stack, flistxattr(fd))
}

function shownNames(stack: Stack, stored: string[]): string[] {
  const names = xattrNames(stack.ns)
  return stored.map((n) => names.shown(n)).filter((n): n is string => n !== null)
}

/** The VFS allows user.* only on regular files and directories: EPERM before anything is copied up. */
function checkWritable(node: Node, name: string, syscall: string): void {
  if (name.startsWith('user.') && !node.stat.isFile() && !node.stat.isDirectory()) {
    throw new FsError('EPERM', syscall, node.path)
  }
}

/**
 * Whether an entry made now in directory `parent` may be born with xattrs: the backing filesystem
 * gives it the parent's default ACL, and a security label where the host's LSM labels files. It
 * cannot when the parent's upper copy has no xattr at all (asked once per cached directory).
 */
export function newEntryMayHaveXattrs(stack: Stack, parent: string): boolean {
  const dir = lookupDir(stack, parent, 'create')
  if (dir.upper === null) return true
  dir.upperXattrs ??= llistxattr(dir.upper).length > 0
  return dir.upperXattrs
}

/** A directory's xattrs changed: what its cached node knew about them is stale. */
function xattrsChanged(stack: Stack, path: string): void {
  const cached = stack.dirs.get(path)
  if (cached) cached.upperXattrs = undefined
}

/** flags: 0, XATTR_CREATE or XATTR_REPLACE (native-bindings constants). */
export async function setxattr(stack: Stack, path: string, name: string, value: Buffer, flags = 0): Promise<void> {
  stack.writable('setxattr', path)
  const node = lookup(stack, path, 'setxattr')
  checkWritable(node, name, 'setxattr')
  const up = await copyUp(stack, node)
  lsetxattr(up.upper as string, xattrNames(stack.ns).stored(name), value, flags)
  xattrsChanged(stack, path)
}

export async function removexattr(stack: Stack, path: string, name: string): Promise<void> {
  stack.writable('removexattr', path)
  const node = lookup(stack, path, 'removexattr')
  checkWritable(node, name, 'removexattr')
  getxattr(stack, node, name) // ENODATA before any copy-up
  const up = await copyUp(stack, node)
  lremovexattr(up.upper as string, xattrNames(stack.ns).stored(name))
  xattrsChanged(stack, path)
}
