/**
 * Overlay: the union engine over directories, the API the FUSE adapter (daemon/fuse/) and tests use.
 * Lifecycle:
 *   const ov = new Overlay({ lowers: ['/l/top', '/l/base'], upper: '/c/upper', work: '/c/work' })
 *   ov.getattr('etc/hosts'); ov.readdir('etc')            // reads: from the entry shown
 *   const path = await ov.openForWrite('etc/hosts')        // copy-up; returns upper's backing path
 *   await ov.rename('etc', 'etc.old')                      // works for lower directories too
 * Owns: path checks (parsePath), the mapping of each operation to its module, and the one hook
 *   before every change (`beforeChange`: the change journal listens there).
 * Never: imports FUSE types, LevelDB or RPC.
 * Errors: FsError or Node's errno errors (code, syscall, path); nothing else escapes.
 * Concurrency: metadata changes are synchronous (no interleaving between them); only copy-up
 *   awaits, and it renames into place with RENAME_NOREPLACE so nothing done meanwhile is lost.
 * Tests: test/unit/overlay/*.test.ts, test/integration/union-*.test.ts
 */
import { closeSync, statfsSync, type BigIntStats, type StatsFs } from 'node:fs'
import type { TimeSpec } from '../../native-bindings/index.js'
import { readlink } from './backing-fs.js'
import { listingDirsOf, lookupPathsOf } from './backing-paths.js'
import { copyUpLater, copyUpOf, copyUpOpen, copyUpsSettled, copyUpsUnderWay } from './copy-up.js'
import { create, createOpen, link, mkdir, mknod, symlink } from './create.js'
import { FsError } from './fs-error.js'
import { isMergedDir, lookup, lookupDir, shownPath, type Node } from './lookup.js'
import { parsePath, splitParent } from './path.js'
import { readdir, type DirEntry } from './readdir.js'
import { rename } from './rename.js'
import { rmdir, unlink } from './remove.js'
import { setattr, setattrFd, type SetAttr } from './setattr.js'
import { Stack, type Caller, type OverlayOptions } from './stack.js'
import * as xattr from './xattr.js'

export type { Caller, OverlayOptions, DirEntry, SetAttr, TimeSpec, Node }

/**
 * An open for writing: the upper backing path, the copy's descriptor when this open copied it,
 * and `later` (see openForWriteFd) with, then, `installed` (copy-up.ts CopiedLater).
 */
export interface WriteOpen {
  upper: string
  fd: number | null
  later: boolean
  installed: Promise<void> | null
}

/** Hears a union path (and with `subtree`, all below it) before an operation may change it. */
export type ChangeHook = (path: string, subtree: boolean) => void

export interface Attr {
  mode: number
  uid: number
  gid: number
  nlink: number
  rdev: number
  size: bigint
  blocks: bigint
  atimeNs: bigint
  mtimeNs: bigint
  ctimeNs: bigint
  /** the backing inode (dev, ino) of the entry shown; a stable number is the FUSE layer's job */
  dev: bigint
  ino: bigint
}

const ROOT: Caller = { uid: 0, gid: 0 }

/** The attributes the union shows for a node (merged directories report nlink 1, as overlayfs). */
export function attrOf(node: Node): Attr {
  return attrOfStat(node.stat, isMergedDir(node))
}

/** The attributes of a backing lstat/fstat (`mergedDir`: shown from several places, nlink 1). */
export function attrOfStat(st: BigIntStats, mergedDir = false): Attr {
  return {
    mode: Number(st.mode),
    uid: Number(st.uid),
    gid: Number(st.gid),
    nlink: mergedDir ? 1 : Number(st.nlink),
    rdev: Number(st.rdev),
    size: st.size,
    blocks: st.blocks,
    atimeNs: st.atimeNs,
    mtimeNs: st.mtimeNs,
    ctimeNs: st.ctimeNs,
    dev: st.dev,
    ino: st.ino,
  }
}

export class Overlay {
  readonly stack: Stack
  private readonly beforeChange: ChangeHook | undefined
  private readonly heard: ((path: string) => boolean) | undefined

  /** `heard`: whether `beforeChange` has heard a path already (see changeHeard); needed with it. */
  constructor(opts: OverlayOptions & { beforeChange?: ChangeHook; heard?: (path: string) => boolean }) {
    this.stack = new Stack(opts)
    this.beforeChange = opts.beforeChange
    this.heard = opts.heard
  }

  /**
   * Whether a change to the entry at `path` (not below it) may be made without passing through
   * `beforeChange` again: there is no hook, or it has heard that path (the FUSE reader then changes
   * a file's attributes itself, daemon/fuse/upper-mirror.ts).
   */
  changeHeard(path: string): boolean {
    return this.beforeChange === undefined || (this.heard?.(path) ?? false)
  }

  get readonly(): boolean {
    return this.stack.upper === null
  }

  lookup(path: string): Node {
    return lookup(this.stack, parsePath(path, 'lookup'))
  }

  getattr(path: string): Attr {
    return attrOf(lookup(this.stack, parsePath(path, 'getattr'), 'getattr'))
  }

  /** The listing needs the directory's resolution, which the directory cache keeps: no lstat. */
  readdir(path: string): DirEntry[] {
    return readdir(lookupDir(this.stack, parsePath(path, 'readdir'), 'readdir'))
  }

  /**
   * The backing directories a listing of directory `path` reads, and with `names` instead the
   * backing paths a lookup of each of those names in it lstats (backing-paths.ts): what to warm
   * ahead of those calls. Nothing for a directory the directory cache does not hold.
   */
  backingPathsOf(path: string, names?: readonly string[]): string[] {
    const dir = this.stack.dirs.get(path)
    if (!dir) return []
    return names ? lookupPathsOf(this.stack, dir, names) : listingDirsOf(dir)
  }

  /** ENOENT or ENOTDIR unless `path` is a directory of the union (the directory cache answers most). */
  checkDir(path: string): void {
    lookupDir(this.stack, parsePath(path, 'opendir'), 'opendir')
  }

  readlink(path: string): string {
    const node = lookup(this.stack, parsePath(path, 'readlink'), 'readlink')
    if (!node.stat.isSymbolicLink()) throw new FsError('EINVAL', 'readlink', path)
    return readlink(shownPath(node))
  }

  /** The backing path to read: upper's copy if there is one, else the lower's. */
  openForRead(path: string): string {
    return shownPath(lookup(this.stack, parsePath(path, 'open'), 'open'))
  }

  /** Copies the entry up (without data when the open truncates) and returns upper's backing path. */
  async openForWrite(path: string, truncate = false): Promise<string> {
    const { upper, fd } = await this.openForWriteFd(path, truncate)
    if (fd !== null) closeSync(fd)
    return upper
  }

  /**
   * As openForWrite, and when this call copied the file up, the copy open O_RDWR (the caller
   * owns `fd`): an open for writing can use it instead of opening the copy again. With `later`,
   * a durable copy may be handed out before it is in upper/ (copy-up.ts copyUpLater; `later` in
   * the answer says so): the caller then keeps every other use of the path waiting until
   * copyUpOf(path) settles.
   */
  async openForWriteFd(path: string, truncate = false, later = false): Promise<WriteOpen> {
    const p = parsePath(path, 'open')
    this.stack.writable('open', p)
    this.note(p)
    const node = lookup(this.stack, p, 'open')
    if (node.stat.isDirectory()) throw new FsError('EISDIR', 'open', path)
    if (node.stat.isSymbolicLink()) throw new FsError('ELOOP', 'open', path) // as O_NOFOLLOW: the kernel resolves links
    const handedOut = later ? copyUpLater(this.stack, node, !truncate) : null
    if (handedOut) return { ...(await handedOut), later: true }
    const copied = await copyUpOpen(this.stack, node, !truncate)
    return { upper: copied.node.upper as string, fd: copied.fd, later: false, installed: null }
  }

  /** How many copy-ups are under way: 0 lets a caller skip copyUpOf. */
  get copyUpsUnderWay(): number {
    return copyUpsUnderWay(this.stack)
  }

  /**
   * A descriptor of the copy of `path` handed out before its install (openForWriteFd's `later`),
   * open until then: its attributes and xattrs are the entry's (getxattr and listxattr use it).
   */
  copyFdOf(path: string): number | undefined {
    return this.stack.handedOut.get(path)
  }

  /** The copy-up of `path` under way (settles once it is in upper/ or has failed), if any. */
  copyUpOf(path: string): Promise<unknown> | undefined {
    return copyUpOf(this.stack, path)
  }

  /** Resolves once no copy-up is under way, those handed out early included (before a pause, an exit). */
  copyUpsSettled(): Promise<void> {
    return copyUpsSettled(this.stack)
  }

  /** Hears a copy handed out early that then failed its sync or its install (nobody else is left to tell). */
  onLateCopyUpError(listener: (path: string, err: unknown) => void): void {
    this.stack.lateCopyUpError = listener
  }

  create(path: string, mode: number, caller: Caller = ROOT): Attr {
    return attrOf(create(this.stack, this.note(parsePath(path, 'create')), mode, caller))
  }

  /** create, and an fd open on the new file with `flags` (the caller closes it): one open for both. */
  createOpen(path: string, mode: number, caller: Caller, flags: number): { node: Node; fd: number } {
    return createOpen(this.stack, this.note(parsePath(path, 'create')), mode, caller, flags)
  }

  mkdir(path: string, mode: number, caller: Caller = ROOT): Attr {
    return attrOf(mkdir(this.stack, this.note(parsePath(path, 'mkdir')), mode, caller))
  }

  mknod(path: string, mode: number, major: number, minor: number, caller: Caller = ROOT): Attr {
    return attrOf(mknod(this.stack, this.note(parsePath(path, 'mknod')), mode, major, minor, caller))
  }

  symlink(target: string, path: string, caller: Caller = ROOT): Attr {
    return attrOf(symlink(this.stack, target, this.note(parsePath(path, 'symlink')), caller))
  }

  async link(existing: string, path: string): Promise<Attr> {
    const from = this.note(parsePath(existing, 'link'))
    return attrOf(await link(this.stack, from, this.note(parsePath(path, 'link'))))
  }

  unlink(path: string): void {
    unlink(this.stack, this.note(parsePath(path, 'unlink')))
  }

  rmdir(path: string): void {
    rmdir(this.stack, this.note(parsePath(path, 'rmdir')))
  }

  /**
   * The FUSE reader removed a directory no lower layer shows, whose path the change journal has
   * (daemon/fuse/upper-mirror.ts): what the directory cache holds at or below it goes.
   */
  removedDir(path: string): void {
    this.stack.dirs.forget(parsePath(path, 'rmdir'), true)
  }

  /** flags: 0, RENAME_NOREPLACE (1) or RENAME_EXCHANGE (2), as renameat2. */
  async rename(from: string, to: string, flags = 0): Promise<void> {
    const a = this.note(parsePath(from, 'rename'), true)
    await rename(this.stack, a, this.note(parsePath(to, 'rename'), true), flags)
  }

  async setattr(path: string, attr: SetAttr): Promise<Attr> {
    return attrOf(await setattr(this.stack, this.note(parsePath(path, 'setattr')), attr))
  }

  /**
   * setattr through `fd`, open for writing on the entry's upper copy (so nothing to copy up, no
   * path to resolve): what fchown, fchmod, ftruncate and futimens on an open file ask for. Works
   * for a file whose name is gone too.
   */
  setattrOpen(path: string, fd: number, attr: SetAttr): Attr {
    this.note(parsePath(path, 'setattr'))
    return attrOfStat(setattrFd(fd, attr))
  }

  getxattr(path: string, name: string): Buffer {
    const p = parsePath(path, 'getxattr')
    const early = this.stack.handedOut.get(p)
    if (early !== undefined) return xattr.getxattrFd(this.stack, early, name)
    return xattr.getxattr(this.stack, lookup(this.stack, p, 'getxattr'), name)
  }

  /** Whether an entry just made at `path` may have xattrs it did not ask for (an inherited ACL, a label). */
  /** What a file this process makes gets without asking (create.ts madeAs); null on a read-only union. */
  makerIds(): { uid: number; gid: number; umask: number } | null {
    return this.stack.upper === null ? null : { ...this.stack.ids, umask: this.stack.umask }
  }

  newEntryMayHaveXattrs(path: string): boolean {
    return xattr.newEntryMayHaveXattrs(this.stack, splitParent(parsePath(path, 'create')).parent)
  }

  listxattr(path: string): string[] {
    const p = parsePath(path, 'listxattr')
    const early = this.stack.handedOut.get(p)
    if (early !== undefined) return xattr.listxattrFd(this.stack, early)
    return xattr.listxattr(this.stack, lookup(this.stack, p, 'listxattr'))
  }

  /** listxattr of a node already looked up (a listing's entries): no second resolution. */
  listxattrOf(node: Node): string[] {
    return xattr.listxattr(this.stack, node)
  }

  async setxattr(path: string, name: string, value: Buffer, flags = 0): Promise<void> {
    await xattr.setxattr(this.stack, this.note(parsePath(path, 'setxattr')), name, value, flags)
  }

  async removexattr(path: string, name: string): Promise<void> {
    await xattr.removexattr(this.stack, this.note(parsePath(path, 'removexattr')), name)
  }

  /**
   * The hook before every change: `beforeChange` hears each union path an operation may change
   * (with `subtree`, everything below it too) before the operation runs. Every public method that
   * can change upper/ passes its paths through here, so a new one cannot skip the journal.
   */
  /** Hears each copy-up (the union path and its new backing's lstat) once it is in place. */
  onCopyUp(listener: (path: string, st: BigIntStats) => void): void {
    this.stack.copiedUp = listener
  }

  private note(path: string, subtree = false): string {
    this.beforeChange?.(path, subtree)
    return path
  }

  statfs(): StatsFs {
    return statfsSync(this.stack.upper ?? (this.stack.lowers[0] as string))
  }
}
