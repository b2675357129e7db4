/**
 * setattr: owner, mode, size and ns times, applied to the upper copy (copied up first; a
 * truncation to zero skips the data). Symlinks have no mode of their own (EOPNOTSUPP, as lchmod).
 * Tests: test/unit/overlay/overlay.test.ts and the union suite (test/suites/union.ts).
 */
import {
  closeSync,
  constants as fsc,
  fchmodSync,
  fchownSync,
  fstatSync,
  ftruncateSync,
  type BigIntStats,
} from 'node:fs'
import { utimensat, type TimeSpec } from '../../native-bindings/index.js'
import { chmod, fchownat, lstat, open, utimens } from './backing-fs.js'
import { copyUp } from './copy-up.js'
import { FsError } from './fs-error.js'
import { isDir, lookup, type Node } from './lookup.js'
import type { Stack } from './stack.js'

export interface SetAttr {
  mode?: number
  uid?: number
  gid?: number
  size?: number
  atime?: TimeSpec
  mtime?: TimeSpec
  /** drop setuid, and setgid where group-exec is set, as a write by an unprivileged caller does */
  killSuidgid?: boolean
}

export async function setattr(stack: Stack, path: string, attr: SetAttr): Promise<Node> {
  stack.writable('setattr', path)
  const node = lookup(stack, path, 'setattr')
  if (attr.size !== undefined) checkTruncate(node, attr.size)
  if (attr.mode !== undefined && node.stat.isSymbolicLink()) throw new FsError('EOPNOTSUPP', 'chmod', path)
  const up = await copyUp(stack, node, attr.size !== 0)
  const target = up.upper as string
  if (attr.uid !== undefined || attr.gid !== undefined) {
    fchownat(target, attr.uid ?? -1, attr.gid ?? -1)
  }
  if (attr.mode !== undefined) chmod(target, attr.mode & 0o7777)
  if (attr.size !== undefined) truncate(target, attr.size)
  if (attr.killSuidgid && attr.mode === undefined) dropSetid(target)
  if (attr.atime !== undefined || attr.mtime !== undefined) {
    utimens(target, attr.atime ?? 'omit', attr.mtime ?? 'omit')
  }
  return lookup(stack, path, 'setattr')
}

const S_ISUID = 0o4000
const S_ISGID = 0o2000
const S_IXGRP = 0o010

/**
 * Drops setuid, and setgid where group-exec is set (a setgid without it marks mandatory locking),
 * from the backing file at `path`: what the kernel asks of the filesystem (HANDLE_KILLPRIV_V2)
 * when an unprivileged caller writes, truncates or changes the owner of a file.
 */
export function dropSetid(path: string): boolean {
  const mode = Number(lstat(path).mode)
  const kept = setidKept(mode)
  if (kept !== mode) chmod(path, kept & 0o7777)
  return kept !== mode
}

/** `mode` without setuid, and without setgid where group-exec is set. */
function setidKept(mode: number): number {
  let kill = mode & S_ISUID
  if (mode & S_ISGID && mode & S_IXGRP) kill |= S_ISGID
  return mode & ~kill
}

/** setattr on an open upper file: the same changes in the same order, through its fd; its fstat after. */
export function setattrFd(fd: number, attr: SetAttr): BigIntStats {
  if (attr.uid !== undefined || attr.gid !== undefined) fchownSync(fd, attr.uid ?? -1, attr.gid ?? -1)
  if (attr.mode !== undefined) fchmodSync(fd, attr.mode & 0o7777)
  if (attr.size !== undefined) ftruncateSync(fd, attr.size)
  let st: BigIntStats | null = null // the fstat after the last change, when there is one
  if (attr.killSuidgid && attr.mode === undefined) {
    st = fstatSync(fd, { bigint: true })
    const mode = Number(st.mode)
    const kept = setidKept(mode)
    if (kept !== mode) {
      fchmodSync(fd, kept & 0o7777)
      st = null
    }
  }
  if (attr.atime !== undefined || attr.mtime !== undefined) {
    utimensat(fd, '', attr.atime ?? 'omit', attr.mtime ?? 'omit')
    st = null
  }
  return st ?? fstatSync(fd, { bigint: true })
}

function checkTruncate(node: Node, size: number): void {
  if (isDir(node)) throw new FsError('EISDIR', 'truncate', node.path)
  if (!node.stat.isFile() || size < 0) throw new FsError('EINVAL', 'truncate', node.path)
}

function truncate(path: string, size: number): void {
  const fd = open(path, fsc.O_WRONLY | fsc.O_NOFOLLOW)
  try {
    ftruncateSync(fd, size)
  } finally {
    closeSync(fd)
  }
}
