/**
 * Typed wrapper of the strata addon (native-bindings/src): the syscalls Node lacks.
 * Owns: argument shapes, time encoding (bigint nanoseconds), constants.
 * Errors: every failed syscall throws (or rejects with) an Error shaped like Node's fs errors:
 *   `code` ('ENOENT'), `errno` (negative), `syscall`, and `path` where a path was involved.
 * Tests: test/unit/native-bindings/*.test.ts
 */
import { createRequire } from 'node:module'

export interface NativeConstants {
  AT_FDCWD: number
  AT_SYMLINK_NOFOLLOW: number
  AT_EMPTY_PATH: number
  XATTR_CREATE: number
  XATTR_REPLACE: number
  RENAME_NOREPLACE: number
  RENAME_EXCHANGE: number
  RENAME_WHITEOUT: number
  RESOLVE_BENEATH: number
  RESOLVE_NO_MAGICLINKS: number
  RESOLVE_NO_SYMLINKS: number
  RESOLVE_NO_XDEV: number
  RESOLVE_IN_ROOT: number
  O_PATH: number
  O_DIRECTORY: number
  O_NOFOLLOW: number
  O_CLOEXEC: number
  MS_RDONLY: number
  MS_NOSUID: number
  MS_NODEV: number
  MS_NOEXEC: number
  MNT_FORCE: number
  MNT_DETACH: number
  UMOUNT_NOFOLLOW: number
  S_IFCHR: number
  S_IFBLK: number
  S_IFIFO: number
  S_IFREG: number
  S_IFSOCK: number
}

export interface PeerCred {
  pid: number
  uid: number
  gid: number
  /** Supplementary groups (SO_PEERGROUPS). */
  groups: number[]
}

/** Why the readers stopped: an errno name ('ENODEV' after unmount) or 'EOF'. */
export type ReaderEnd = string
export type BatchHandler = (requests: Buffer[], end: ReaderEnd | null) => void

/** The nodes known to have no xattr a user can see: the poll reader answers their xattr requests itself. */
export type BareNodes = { readonly __brand: 'BareNodes' }

/** The nodes open for writing: the poll reader answers their plain SETATTR itself (fuse-writers.c). */
export type WriterNodes = { readonly __brand: 'WriterNodes' }

/**
 * The nodes known in upper/: the poll reader answers their GETATTR, a directory's missing-name
 * LOOKUP, a settable node's SETATTR and an upper-only directory's listing itself (fuse-upper.c).
 */
export type UpperNodes = { readonly __brand: 'UpperNodes' }

/** What an upper node is, for setUpperNode. */
export interface UpperNodeKind {
  dir: boolean
  /** a directory merged with a lower one */
  lower?: boolean
  /** a node whose SETATTR the reader may answer (a directory's only when its group and setgid stay) */
  settable?: boolean
}

/** How many requests the poll reader answered from an UpperNodes table. */
export interface UpperAnswers {
  getattr: number
  lookup: number
  setattr: number
  readdir: number
  readdirplus: number
  unlink: number
  rmdir: number
  create: number
}

/**
 * The opcode of the reader's note that it removed a node's name itself (fuse-upper.h
 * STRATA_NOTE_REMOVED): it comes among the requests of a batch, in the removal's place.
 */
export const READER_NOTE_REMOVED = 0x73740001
/**
 * The opcode of the reader's note that it made a regular file itself (CREATE in an upper-only
 * directory: fuse-upper.h STRATA_NOTE_CREATED), in the creation's place among the requests.
 */
export const READER_NOTE_CREATED = 0x73740002

/** How many xattr requests the poll reader answered from a BareNodes set. */
export interface BareAnswers {
  getxattr: number
  listxattr: number
}

interface Addon {
  constants: NativeConstants
  utimeConstants: { UTIME_NOW: number; UTIME_OMIT: number }
  mknodat(dirfd: number, path: PathArg, mode: number, major: number, minor: number): void
  lgetxattr(path: PathArg, name: string): Buffer
  lgetxattrIfAny(path: PathArg, name: string): Buffer | null
  fgetxattr(fd: number, name: string): Buffer
  lsetxattr(path: PathArg, name: string, value: Buffer, flags: number): void
  fsetxattr(fd: number, name: string, value: Buffer, flags: number): void
  llistxattr(path: PathArg): string[]
  flistxattr(fd: number): string[]
  lremovexattr(path: PathArg, name: string): void
  fremovexattr(fd: number, name: string): void
  renameat2(olddirfd: number, oldpath: PathArg, newdirfd: number, newpath: PathArg, flags: number): void
  utimensat(dirfd: number, path: PathArg, as: number, an: number, ms: number, mn: number, flags: number): void
  fchownat(dirfd: number, path: PathArg, uid: number, gid: number, flags: number): void
  openat2(dirfd: number, path: string, flags: number, mode: number, resolve: number): number
  copyFileRange(fdIn: number, offIn: number, fdOut: number, offOut: number, len: number): Promise<number>
  copySparse(fdIn: number, fdOut: number, len: number): Promise<number>
  dataSegments(fd: number, len: number, max: number): number[]
  seekData(fd: number, offset: number, whence: number): number
  ficlone(destFd: number, srcFd: number): Promise<void>
  fallocate(fd: number, mode: number, offset: number, len: number): Promise<void>
  syncFiles(fds: Buffer): Promise<number[]>
  warmPaths(paths: Buffer, directories: boolean): Promise<number>
  dupFd(fd: number): number
  mount(source: string, target: string, fstype: string, flags: number, data: string): void
  umount2(target: string, flags: number): void
  fuseBackingOpen(fuseFd: number, backingFd: number): number
  fuseBackingClose(fuseFd: number, backingId: number): void
  startFuseReader(fd: number, threads: number, bufSize: number, onBatch: BatchHandler): void
  startFusePoll(
    fd: number,
    bufSize: number,
    spinUs: number,
    busy: Int32Array,
    onBatch: BatchHandler,
    /** bare nodes, writers, upper nodes, timings: each needs the ones before it (checked in C) */
    ...tables: unknown[]
  ): void
  createBareNodes(): BareNodes
  markBareNode(set: BareNodes, nodeid: number, bare: boolean): void
  bareNodeAnswers(set: BareNodes): BareAnswers
  createWriterNodes(attrSeconds: number): WriterNodes
  setWriterNode(table: WriterNodes, nodeid: number, fd: number, ino: number): void
  pauseWriterNodes(table: WriterNodes, paused: boolean): void
  writerNodeAnswers(table: WriterNodes): number
  createUpperNodes(attrSeconds: number, entrySeconds: number): UpperNodes
  setUpperNode(table: UpperNodes, nodeid: number, upper: string, ino: number, flags: number): void
  setUpperNode(table: UpperNodes, nodeid: number, upper: null): number
  takeUpperLookups(table: UpperNodes, nodeid: number): number
  listingCookie(name: Buffer): number | null
  pauseUpperNodes(table: UpperNodes, paused: boolean): void
  upperNodeAnswers(table: UpperNodes): UpperAnswers
  enableUpperCreate(table: UpperNodes, fuseFd: number, uid: number, gid: number, umask: number): void
  giveUpperIds(table: UpperNodes, ids: Uint32Array): number
  peerCred(fd: number): PeerCred
}

// dist/native-bindings/index.js and native-bindings/index.ts both sit two levels below the build dir's parent.
const addonPath = new URL('../../native-bindings/build/Release/strata_native.node', import.meta.url)
const addon = createRequire(import.meta.url)(addonPath.pathname) as Addon

export const constants: Readonly<NativeConstants> = Object.freeze({ ...addon.constants })

/** A timestamp for utimensat: nanoseconds since the epoch, or leave ('omit') / set to now ('now'). */
export type TimeSpec = bigint | 'now' | 'omit'

const NS_PER_S = 1_000_000_000n

function splitTime(t: TimeSpec): [number, number] {
  if (t === 'now') return [0, addon.utimeConstants.UTIME_NOW]
  if (t === 'omit') return [0, addon.utimeConstants.UTIME_OMIT]
  let sec = t / NS_PER_S
  let nsec = t % NS_PER_S
  if (nsec < 0n) {
    sec -= 1n
    nsec += NS_PER_S
  }
  return [Number(sec), Number(nsec)]
}

/** A path as the kernel takes it: a string (UTF-8) or its bytes. */
export type PathArg = string | Buffer

export function mknodat(dirfd: number, path: PathArg, mode: number, major = 0, minor = 0): void {
  addon.mknodat(dirfd, path, mode, major, minor)
}

/** glibc's major()/minor() of a dev_t (st_rdev, or FUSE's 32-bit encoding, which agrees with it). */
export function splitDev(rdev: bigint): [major: number, minor: number] {
  const major = ((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & 0xfffff000n)
  const minor = (rdev & 0xffn) | ((rdev >> 12n) & 0xffffff00n)
  return [Number(major), Number(minor)]
}

/** The whiteout of overlayfs: a character device 0/0. */
export function mkwhiteout(dirfd: number, path: PathArg): void {
  addon.mknodat(dirfd, path, constants.S_IFCHR | 0o000, 0, 0)
}

export const lgetxattr = (path: PathArg, name: string): Buffer => addon.lgetxattr(path, name)
/** Like lgetxattr, but null (no Error built) when the attribute is absent or unsupported. */
export const lgetxattrIfAny = (path: PathArg, name: string): Buffer | null => addon.lgetxattrIfAny(path, name)
export const fgetxattr = (fd: number, name: string): Buffer => addon.fgetxattr(fd, name)
export const llistxattr = (path: PathArg): string[] => addon.llistxattr(path)
export const flistxattr = (fd: number): string[] => addon.flistxattr(fd)
export const lremovexattr = (path: PathArg, name: string): void => addon.lremovexattr(path, name)
export const fremovexattr = (fd: number, name: string): void => addon.fremovexattr(fd, name)

/** flags: 0, XATTR_CREATE (EEXIST if present) or XATTR_REPLACE (ENODATA if absent). */
export function lsetxattr(path: PathArg, name: string, value: Buffer | string, flags = 0): void {
  addon.lsetxattr(path, name, Buffer.from(value), flags)
}
export function fsetxattr(fd: number, name: string, value: Buffer | string, flags = 0): void {
  addon.fsetxattr(fd, name, Buffer.from(value), flags)
}

export function renameat2(olddirfd: number, oldpath: PathArg, newdirfd: number, newpath: PathArg, flags = 0): void {
  addon.renameat2(olddirfd, oldpath, newdirfd, newpath, flags)
}

/** An empty path with dirfd an open fd sets the times of that fd (futimens). */
export function utimensat(dirfd: number, path: PathArg, atime: TimeSpec, mtime: TimeSpec, flags = 0): void {
  const [as, an] = splitTime(atime)
  const [ms, mn] = splitTime(mtime)
  addon.utimensat(dirfd, path, as, an, ms, mn, flags)
}

/** uid or gid -1 leaves it unchanged. */
export function fchownat(dirfd: number, path: PathArg, uid: number, gid: number, flags = 0): void {
  addon.fchownat(dirfd, path, uid, gid, flags)
}

export function openat2(dirfd: number, path: string, flags: number, mode: number, resolve: number): number {
  return addon.openat2(dirfd, path, flags, mode, resolve)
}

/** Copies len bytes (fewer at the source's end) without passing them through JS; resolves to the count. */
export const copyFileRange = (fdIn: number, offIn: number, fdOut: number, offOut: number, len: number) =>
  addon.copyFileRange(fdIn, offIn, fdOut, offOut, len)

/**
 * Copies the first `len` bytes of a file into a new, empty one at the same offsets, leaving the
 * source's holes (SEEK_DATA/SEEK_HOLE) as holes, then makes it `len` long; off the JS thread.
 * Resolves to `len`, or to the source's size when it is shorter.
 */
export const copySparse = (fdIn: number, fdOut: number, len: number): Promise<number> =>
  addon.copySparse(fdIn, fdOut, len)

/**
 * Where the first `len` bytes of a file hold data (SEEK_DATA/SEEK_HOLE), as [offset, length] in
 * order; the rest are holes. At most `max` segments: the last one then runs to the end of the
 * last data, taking the holes between as zeros. A filesystem that cannot tell has data everywhere.
 */
export function dataSegments(fd: number, len: number, max: number): Array<[offset: number, length: number]> {
  const flat = addon.dataSegments(fd, len, max)
  const out: Array<[number, number]> = []
  for (let i = 0; i < flat.length; i += 2) out.push([flat[i] as number, flat[i + 1] as number])
  return out
}

/** Shares the source's blocks with dest (reflink); EOPNOTSUPP/EXDEV/EINVAL where the fs cannot. */
export const ficlone = (destFd: number, srcFd: number): Promise<void> => addon.ficlone(destFd, srcFd)

/** lseek(2) with SEEK_DATA (3) or SEEK_HOLE (4): the next data or hole at or after `offset`; ENXIO past the end. */
export const seekData = (fd: number, offset: number, whence: number): number => addon.seekData(fd, offset, whence)

/** fallocate(2): mode 0 allocates (and extends), FALLOC_FL_* flags punch holes, zero ranges, ... */
export const fallocate = (fd: number, mode: number, offset: number, len: number): Promise<void> =>
  addon.fallocate(fd, mode, offset, len)

/**
 * Write-back of every file started, then each fsync'ed, off the JS thread: one journal commit
 * carries a batch of new files. Per fd, 0 or the errno that failed (never rejects for one fd).
 */
export function syncFiles(fds: readonly number[]): Promise<number[]> {
  return addon.syncFiles(Buffer.from(Int32Array.from(fds).buffer))
}

/**
 * Pulls the inodes of `paths` (lstat), or with `directories` their blocks (read through), into the
 * kernel's caches on libuv's pool; resolves with how many it could. Paths are given as the kernel
 * takes them (a string, or its bytes); one that fails is passed over.
 */
export function warmPaths(paths: readonly (string | Buffer)[], directories: boolean): Promise<number> {
  const parts: Buffer[] = []
  for (const p of paths) parts.push(typeof p === 'string' ? Buffer.from(p) : p, NUL)
  return addon.warmPaths(Buffer.concat(parts), directories)
}
const NUL = Buffer.alloc(1)

/** fcntl(F_DUPFD_CLOEXEC): another descriptor of the same open file. */
export const dupFd = (fd: number): number => addon.dupFd(fd)

export function mount(source: string, target: string, fstype: string, flags: number, data: string): void {
  addon.mount(source, target, fstype, flags, data)
}
export const umount2 = (target: string, flags = 0): void => addon.umount2(target, flags)

export const fuseBackingOpen = (fuseFd: number, backingFd: number): number => addon.fuseBackingOpen(fuseFd, backingFd)
export const fuseBackingClose = (fuseFd: number, id: number): void => addon.fuseBackingClose(fuseFd, id)

/**
 * Starts `threads` native threads reading `fd` (a /dev/fuse connection) with buffers of `bufSize`
 * bytes; `onBatch` gets every request read since its last call, and `end` once when they stop.
 * Start them after mount(2) has attached the fd: before that the kernel answers read(2) with EPERM,
 * which ends the readers at once.
 */
export function startFuseReader(fd: number, threads: number, bufSize: number, onBatch: BatchHandler): void {
  addon.startFuseReader(fd, threads, bufSize, onBatch)
}

/**
 * The layout of startFusePoll's `timings` (fuse-poll.c TIMED_OPCODES, PER_DOUBLING, TIMING_BUCKETS,
 * BASE_US): a row per opcode below `opcodes`, each the total µs of the answers then `buckets`
 * counts; bucket b holds durations up to baseUs * 2^((b + 1) / perDoubling).
 */
export const READER_TIMINGS = { opcodes: 64, perDoubling: 16, buckets: 16 * 34, baseUs: 0.1 } as const
export const READER_TIMING_CELLS = READER_TIMINGS.opcodes * (1 + READER_TIMINGS.buckets)

/**
 * The same deliveries as startFuseReader, but read on the JS thread's own event loop (the fd is
 * made non-blocking and polled): no hop between threads per request. Start it after mount(2).
 * With `bare`, GETXATTR (ENODATA) and LISTXATTR (empty) of the nodes in it are answered without
 * a delivery; with `writers`, their plain SETATTR; with `upper`, their GETATTR, a regular file's
 * SETATTR and the LOOKUPs that find nothing (each table needs the ones before it). With `timings`
 * (READER_TIMING_CELLS cells; needs `upper`), each of those answers is timed into it.
 * With `spinUs` (0 to 1,000), after a turn that answered everything it read the reader reads on
 * for that long before it sleeps: a serial caller's next request is then read without a wakeup.
 * `busy[0]` is the caller's count of requests waiting for the event loop: while it is above 0 the
 * reader does not spin.
 */
export function startFusePoll(
  fd: number,
  bufSize: number,
  onBatch: BatchHandler,
  opts: {
    bare?: BareNodes
    writers?: WriterNodes
    upper?: UpperNodes
    timings?: Float64Array
    spinUs?: number
    busy?: Int32Array
  } = {},
): void {
  const { bare, writers, upper, timings, spinUs = 0, busy = new Int32Array(1) } = opts
  const tables: unknown[] = [bare, writers, upper, timings]
  while (tables.length > 0 && tables.at(-1) === undefined) tables.pop()
  addon.startFusePoll(fd, bufSize, spinUs, busy, onBatch, ...tables)
}

/** An empty set of bare nodes (node ids below 2^28 are kept; others are never answered natively). */
export const createBareNodes = (): BareNodes => addon.createBareNodes()

/** Adds a node to the set, or takes it out; JavaScript stays the owner of what is true. */
export const markBareNode = (set: BareNodes, nodeid: number, bare: boolean): void =>
  addon.markBareNode(set, nodeid, bare)

export const bareNodeAnswers = (set: BareNodes): BareAnswers => addon.bareNodeAnswers(set)

/**
 * An empty table of nodes open for writing; its SETATTR answers say the attributes stay valid for
 * `attrSeconds` (whole seconds, as the session's other attribute replies).
 */
export const createWriterNodes = (attrSeconds: number): WriterNodes => addon.createWriterNodes(Math.floor(attrSeconds))

/**
 * Registers the descriptor (open for writing, on the node's upper copy) that answers `nodeid`'s
 * SETATTR, and the inode number its replies carry; fd -1 takes the node out. JavaScript stays the
 * owner: it changes or removes the registration before it closes that descriptor.
 */
export const setWriterNode = (table: WriterNodes, nodeid: number, fd: number, ino: number): void =>
  addon.setWriterNode(table, nodeid, fd, ino)

/** While paused, every SETATTR goes to JavaScript (which holds it). */
export const pauseWriterNodes = (table: WriterNodes, paused: boolean): void => addon.pauseWriterNodes(table, paused)

export const writerNodeAnswers = (table: WriterNodes): number => addon.writerNodeAnswers(table)

/** An empty table of upper nodes; its answers carry the session's attribute and entry timeouts. */
export const createUpperNodes = (attrSeconds: number, entrySeconds: number): UpperNodes =>
  addon.createUpperNodes(Math.floor(attrSeconds), Math.floor(entrySeconds))

/**
 * Registers a node in upper/ (again, or anew): its upper path (absolute, as the kernel takes it),
 * the inode number its attributes carry, and what it is (a directory, maybe merged with a lower one,
 * or a regular file, maybe settable). JavaScript stays the owner: it takes a node out before its
 * name changes.
 */
export function setUpperNode(table: UpperNodes, nodeid: number, upper: string, ino: number, kind: UpperNodeKind): void {
  const flags = (kind.dir ? 1 : 0) | (kind.lower ? 2 : 0) | (kind.settable ? 4 : 0)
  addon.setUpperNode(table, nodeid, upper, ino, flags)
}

/**
 * Takes a node out of the table; returns the lookups the reader counted for it (its listings'
 * direntplus entries link nodes), which the caller adds to the node's count.
 */
export const dropUpperNode = (table: UpperNodes, nodeid: number): number => addon.setUpperNode(table, nodeid, null)

/** The lookups the reader counted for a node since the last call (FORGET adds them first). */
export const takeUpperLookups = (table: UpperNodes, nodeid: number): number => addon.takeUpperLookups(table, nodeid)

/** The offset the reader's listings give a name (dir-listing.ts cookieOf's), or null when it leaves the name to JavaScript. */
export const listingCookie = (name: Buffer): number | null => addon.listingCookie(name)

/** While paused, every SETATTR goes to JavaScript (which holds it). */
export const pauseUpperNodes = (table: UpperNodes, paused: boolean): void => addon.pauseUpperNodes(table, paused)

export const upperNodeAnswers = (table: UpperNodes): UpperAnswers => addon.upperNodeAnswers(table)

/**
 * From now on the reader may make regular files in upper-only directories (CREATE: fuse-create.c),
 * registering them for passthrough on `fuseFd`; `uid`, `gid` and `umask` are this process's own.
 */
export const enableUpperCreate = (
  table: UpperNodes,
  fuseFd: number,
  ids: { uid: number; gid: number; umask: number },
) => addon.enableUpperCreate(table, fuseFd, ids.uid, ids.gid, ids.umask)

/** Node ids set aside for the nodes the reader makes; returns how many it holds now (at most 4,096). */
export const giveUpperIds = (table: UpperNodes, ids: Uint32Array): number => addon.giveUpperIds(table, ids)

/** The credentials of the process at the other end of a connected Unix socket fd. */
export const peerCred = (fd: number): PeerCred => addon.peerCred(fd)
