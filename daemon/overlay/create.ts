/**
 * New entries: mkdir, create, mknod, symlink, link. Parents are copied up first. A new entry over
 * an upper whiteout is built in work/ and renamed over it; a directory there is made opaque (the
 * deleted one's lower entries must not show through), as overlayfs does.
 * New entries belong to the caller; in a setgid directory they take its group, and directories
 * inherit the setgid bit.
 * Tests: test/unit/overlay/overlay.test.ts and the union suite (test/suites/union.ts).
 */
import { closeSync, constants as fsc, fchmodSync, fchownSync, fstatSync } from 'node:fs'
import { constants } from '../../native-bindings/index.js'
import {
  chmod,
  fchownat,
  link as hardLink,
  mkdir as makeDir,
  mknod as makeNode,
  open,
  renameat2,
  rm,
  symlink as makeSymlink,
} from './backing-fs.js'
import { copyUp, ensureUpperDir } from './copy-up.js'
import { FsError, hasCode } from './fs-error.js'
import { topEntry } from './lower-index.js'
import { isDir, lookup, lookupDir, lstatOrNull, type Node } from './lookup.js'
import { setOpaque } from './opaque.js'
import { splitParent } from './path.js'
import type { Caller, Stack } from './stack.js'
import { isWhiteoutStat } from './whiteout.js'

const S_ISGID = 0o2000
const S_IFMT = 0o170000

interface Slot {
  /** the union path made, and the syscall making it (for errors) */
  path: string
  syscall: string
  /** where the entry goes in upper/ */
  upper: string
  /** an upper whiteout sits there now */
  overWhiteout: boolean
  /** the lowers have something at this name (a whiteout must replace the entry when it goes) */
  lowerVisible: boolean
  /** the union's parent directory, for setgid inheritance */
  parent: Node
  /**
   * upper/ was not asked whether the name is free: no lower shows it, so only a stray whiteout
   * could be there, and making the entry finds that out itself (EEXIST; see place)
   */
  unchecked: boolean
}

/**
 * Checks that `path` can be created (the parent is a directory, the union shows nothing at the
 * name): the parent comes from the directory cache and the lowers' names from their index. Where
 * the lowers show something (`optimistic` false too) one lstat of the name in upper/ tells whether a
 * whiteout hides it; elsewhere the name is taken as free and the creation itself checks (EEXIST).
 * No side effects; `parent.upper` may still be null.
 */
function checkFree(stack: Stack, path: string, syscall: string, optimistic = true): Slot {
  stack.writable(syscall, path)
  if (path === '') throw new FsError('EEXIST', syscall, path)
  const { parent, name } = splitParent(path)
  const dir = lookupDir(stack, parent, syscall, path)
  const top = topEntry(dir.lowerDir, name)
  const lowerVisible = top !== undefined && top.kind !== 'whiteout'
  const upper = `${dir.upper}/${name}`
  const slot = { path, syscall, upper, lowerVisible, parent: dir }
  if (optimistic && !lowerVisible) return { ...slot, overWhiteout: false, unchecked: true }
  const st = dir.upper === null ? null : lstatOrNull(upper)
  const overWhiteout = st !== null && isWhiteoutStat(st)
  if ((st !== null && !overWhiteout) || (st === null && lowerVisible)) throw new FsError('EEXIST', syscall, path)
  return { ...slot, overWhiteout, unchecked: false }
}

/** checkFree, then the parent copied up: where the new entry goes. */
function reserve(stack: Stack, path: string, syscall: string): Slot {
  const slot = checkFree(stack, path, syscall)
  if (slot.parent.upper !== null) return slot
  const { parent, name } = splitParent(path)
  const parentNode = ensureUpperDir(stack, parent)
  return { ...slot, upper: `${parentNode.upper}/${name}`, parent: parentNode }
}

function ownerOf(slot: Slot, caller: Caller): { uid: number; gid: number; setgid: boolean } {
  const setgid = (Number(slot.parent.stat.mode) & S_ISGID) !== 0
  return { uid: caller.uid, gid: setgid ? Number(slot.parent.stat.gid) : caller.gid, setgid }
}

/**
 * Makes the entry with `make(target)`, sets owner and mode, and puts it in place. An unchecked
 * slot whose name turns out to be taken in upper/ is checked with an lstat: a stray whiteout is
 * replaced as any other, a real entry is EEXIST.
 */
function place(stack: Stack, slot: Slot, make: (target: string) => void, own: (target: string) => void, dir = false) {
  if (slot.unchecked) {
    try {
      make(slot.upper)
    } catch (err) {
      if (!hasCode(err, 'EEXIST')) throw err
      const checked = checkFree(stack, slot.path, slot.syscall, false)
      return place(stack, { ...checked, upper: slot.upper, parent: slot.parent }, make, own, dir)
    }
    return ownOrRemove(slot.upper, own)
  }
  if (!slot.overWhiteout) {
    make(slot.upper)
    return ownOrRemove(slot.upper, own)
  }
  const staged = stack.stagingPath()
  try {
    make(staged)
    own(staged)
    if (dir) {
      setOpaque(staged, stack.ns)
      renameat2(staged, slot.upper, constants.RENAME_EXCHANGE)
    } else {
      renameat2(staged, slot.upper, 0)
    }
  } finally {
    rm(staged, { recursive: true, force: true })
  }
}

/** own(target); a failure takes the entry away again. */
function ownOrRemove(target: string, own: (target: string) => void): void {
  try {
    own(target)
  } catch (err) {
    rm(target, { recursive: true, force: true })
    throw err
  }
}

function owner(uid: number, gid: number, mode: number | null) {
  return (target: string) => {
    fchownat(target, uid, gid)
    if (mode !== null) chmod(target, mode)
  }
}

export function mkdir(stack: Stack, path: string, mode: number, caller: Caller): Node {
  const slot = reserve(stack, path, 'mkdir')
  const o = ownerOf(slot, caller)
  const perm = (mode & 0o7777) | (o.setgid ? S_ISGID : 0)
  place(stack, slot, (p) => makeDir(p, { mode: 0o700 }), owner(o.uid, o.gid, perm), true)
  return lookup(stack, path, 'mkdir')
}

export function create(stack: Stack, path: string, mode: number, caller: Caller): Node {
  const { node, fd } = createOpen(stack, path, mode, caller, fsc.O_WRONLY)
  closeSync(fd)
  return node
}

/**
 * create, keeping the file open: `flags` (access mode, O_APPEND, O_NOATIME…) are those of the fd
 * returned, which the caller owns. One open serves both the creation and the caller's handle, and
 * its fstat is the new node's. When the open itself gives the file its owner and mode (the daemon's
 * own ids, as for root's tar; no setid bits; nothing the umask takes away), nothing is changed after.
 */
export function createOpen(stack: Stack, path: string, mode: number, caller: Caller, flags: number) {
  const slot = reserve(stack, path, 'create')
  const o = ownerOf(slot, caller)
  const perm = mode & 0o7777
  let asMade = false
  let fd = -1
  const make = (p: string) => {
    asMade = p === slot.upper && madeAs(stack, o, perm) // a copy staged in work/ is owned after
    fd = open(p, flags | fsc.O_CREAT | fsc.O_EXCL | fsc.O_NOFOLLOW, asMade ? perm : 0o600)
  }
  const own = () => {
    if (asMade) return
    fchownSync(fd, o.uid, o.gid)
    fchmodSync(fd, perm)
  }
  try {
    place(stack, slot, make, own)
    const stat = fstatSync(fd, { bigint: true })
    return { node: { path, upper: slot.upper, lower: null, lowerDir: null, lowerVisible: slot.lowerVisible, stat }, fd }
  } catch (err) {
    if (fd >= 0) closeSync(fd)
    throw err
  }
}

/** Whether a file this process creates with mode `perm` already has the owner and mode wanted. */
function madeAs(stack: Stack, o: { uid: number; gid: number; setgid: boolean }, perm: number): boolean {
  if ((perm & 0o7000) !== 0 || (perm & stack.umask) !== 0) return false
  return o.uid === stack.ids.uid && (o.setgid || o.gid === stack.ids.gid)
}

/** `mode` carries the type (S_IFCHR, S_IFBLK, S_IFIFO, S_IFSOCK, S_IFREG); a 0/0 char device is refused. */
export function mknod(stack: Stack, path: string, mode: number, major: number, minor: number, caller: Caller): Node {
  const type = mode & S_IFMT
  if (type === constants.S_IFCHR && major === 0 && minor === 0) throw new FsError('EPERM', 'mknod', path)
  if (
    ![constants.S_IFCHR, constants.S_IFBLK, constants.S_IFIFO, constants.S_IFSOCK, constants.S_IFREG].includes(type)
  ) {
    throw new FsError('EINVAL', 'mknod', path)
  }
  const slot = reserve(stack, path, 'mknod')
  const o = ownerOf(slot, caller)
  const make = (p: string) => makeNode(p, type | 0o600, major, minor)
  place(stack, slot, make, owner(o.uid, o.gid, mode & 0o7777))
  return lookup(stack, path, 'mknod')
}

export function symlink(stack: Stack, target: string, path: string, caller: Caller): Node {
  const slot = reserve(stack, path, 'symlink')
  const o = ownerOf(slot, caller)
  place(stack, slot, (p) => makeSymlink(target, p), owner(o.uid, o.gid, null))
  return lookup(stack, path, 'symlink')
}

/** A hard link to an existing non-directory; the source is copied up first (links live in upper/). */
export async function link(stack: Stack, existing: string, path: string): Promise<Node> {
  stack.writable('link', path)
  const src = lookup(stack, existing, 'link')
  checkFree(stack, path, 'link', false) // the VFS checks the new name before the source's type
  if (isDir(src)) throw new FsError('EPERM', 'link', existing)
  const up = await copyUp(stack, src)
  const slot = reserve(stack, path, 'link') // again: the copy-up awaited, the name may be taken now
  place(
    stack,
    slot,
    (p) => hardLink(up.upper as string, p),
    () => undefined,
  )
  return lookup(stack, path, 'link')
}
