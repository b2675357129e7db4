/**
 * File handles: OPEN (copy-up when opened for writing), CREATE, READ, WRITE (1 MiB requests),
 * FSYNC, RELEASE, FALLOCATE, LSEEK (SEEK_DATA/SEEK_HOLE of the backing file). FLUSH is not handled: its ENOSYS tells the kernel never to send
 * it again (nothing is buffered here: writes reach the backing file before their reply). Data goes
 * through a backing fd, off the JS thread.
 */
import { closeSync, constants as fsc, fsync, openSync, read, write } from 'node:fs'
import { promisify } from 'node:util'
import { fallocate, seekData, setWriterNode } from '../../../native-bindings/index.js'
import { open as openBackingPath } from '../../overlay/backing-fs.js'
import { Fopen } from '../abi.js'
import { StaleBacking } from '../passthrough.js'
import { openOut, u32Out, u64Out } from '../reply.js'
import { callerOf, childPath, entryOfNode, inodeOf, setNoXattrs, type Context, type Handler } from './context.js'
import type { FileHandle } from '../handles.js'
import type { Inode } from '../inodes.js'
import { dropSetid } from '../../overlay/setattr.js'

const readAsync = promisify(read)
const writeAsync = promisify(write)
const fsyncAsync = promisify(fsync)

const ACCMODE = fsc.O_RDONLY | fsc.O_WRONLY | fsc.O_RDWR
/** Flags passed on to the backing open; creation is the engine's job, never the backing open's. */
const PASSED = ACCMODE | fsc.O_APPEND | fsc.O_TRUNC | fsc.O_NOATIME
/** An open with any of these gets its own backing open, never copy-up's descriptor (O_RDWR, no flags). */
const OWN_OPEN = fsc.O_APPEND | fsc.O_NOATIME

/**
 * Without passthrough, readers opened before a copy-up move to the copy, so every read sees one
 * file (overlayfs since 4.19 does the same); passthrough opens keep their registered lower file.
 * A handle open for writing is on the upper copy already (its `path` may be a name it had before a
 * rename): it keeps its descriptor, which must stay writable.
 */
function followCopyUp(ctx: Context, inode: Inode, backing: string): void {
  for (const f of ctx.files.of(inode)) {
    if (f.passthrough || f.writable || f.path === backing) continue
    const fd = openBackingPath(backing, fsc.O_RDONLY | fsc.O_NOFOLLOW)
    closeSync(f.fd)
    f.fd = fd
    f.path = backing
  }
}

/** open_flags of OPEN: the caller may not keep setuid/setgid (HANDLE_KILLPRIV_V2) */
const OPEN_KILL_SUIDGID = 1 << 0
/** write_flags of WRITE: likewise */
const WRITE_KILL_SUIDGID = 1 << 2

/**
 * Opens the backing file (copied up first when written) and, with passthrough, registers it.
 * `killSetid`: a caller without CAP_FSETID opens for writing: passthrough writes reach the backing
 * file with the daemon's credentials, which keep setuid/setgid, so they are dropped here, at the
 * open, rather than at the first write (docs/decisions.md).
 */
async function openBacking(ctx: Context, inode: Inode, flags: number, killSetid: boolean): Promise<Buffer> {
  const writable = (flags & ACCMODE) !== fsc.O_RDONLY || (flags & fsc.O_TRUNC) !== 0
  const canWrite = (flags & ACCMODE) !== fsc.O_RDONLY // O_RDONLY|O_TRUNC cannot write
  // A copy may come before its install (its fsync shared) when no other handle has to follow it there,
  // and not for synchronous writes (passthrough makes them durable in the copy, not yet at its name).
  const mayHandOut = ctx.files.of(inode).length === 0 && (flags & fsc.O_DSYNC) === 0
  const {
    upper: backing,
    fd: copyFd,
    later,
    installed,
  } = writable
    ? await ctx.ov.openForWriteFd(inode.path, (flags & fsc.O_TRUNC) !== 0, mayHandOut)
    : { upper: ctx.ov.openForRead(inode.path), fd: null, later: false, installed: null }
  const reuse = copyFd !== null && canWrite && (flags & OWN_OPEN) === 0
  try {
    if (writable && !later) followCopyUp(ctx, inode, backing)
    // a copy handed out early has no setid bits (copyUpLater) and no name in upper/ yet
    if (writable && !later && killSetid && dropSetid(backing)) ctx.attrsChanged(inode)
    if (ctx.passthrough?.isStale(inode, backing)) {
      ctx.inodes.replace(inode) // the VFS looks the name up again and opens the fresh node
      throw new StaleBacking(`${inode.path} was copied up while open`)
    }
  } catch (err) {
    if (copyFd !== null) closeSync(copyFd)
    throw err
  }
  let fd: number
  try {
    fd = reuse && copyFd !== null ? copyFd : ownOpen(backing, flags, later ? copyFd : null)
  } finally {
    if (copyFd !== null && !reuse) closeSync(copyFd)
  }
  return handleOn(ctx, inode, backing, fd, canWrite, installed)
}

/**
 * An open of its own (flags the copy's descriptor lacks: O_APPEND, O_NOATIME, read-only): of the
 * backing file by name, or, for a copy not yet installed (no name in upper/), of that copy again
 * through its descriptor's /proc link (ours: nothing to refuse to follow).
 */
function ownOpen(backing: string, flags: number, copyFd: number | null): number {
  if (copyFd === null) return openBackingPath(backing, (flags & PASSED) | fsc.O_NOFOLLOW)
  return openSync(`/proc/self/fd/${copyFd}`, flags & PASSED)
}

/** A file handle on `fd` (open on `backing`), registered for passthrough when negotiated; closes fd on failure. */
function handleOn(
  ctx: Context,
  inode: Inode,
  backing: string,
  fd: number,
  writable: boolean,
  installed: Promise<void> | null = null,
): Buffer {
  let backingId = 0
  try {
    if (ctx.passthrough) backingId = ctx.passthrough.acquire(inode, backing, fd)
  } catch (err) {
    closeSync(fd)
    throw err
  }
  const h: FileHandle = { fd, path: backing, inode, writable, passthrough: backingId > 0 }
  if (installed) {
    h.installed = installed
    installed.catch(() => (h.lost = true))
  }
  const fh = ctx.files.add(h)
  if (writable) syncWriter(ctx, inode)
  return openOut(fh, backingId > 0 ? Fopen.PASSTHROUGH : 0, backingId)
}

export const open: Handler = async (ctx, h, body) => {
  const flags = body.u32()
  const openFlags = body.u32()
  return openBacking(ctx, inodeOf(ctx, h.nodeid), flags, (openFlags & OPEN_KILL_SUIDGID) !== 0 || h.uid !== 0)
}

export const create: Handler = (ctx, h, body) => {
  const flags = body.u32()
  const mode = body.u32()
  body.skip(8) // umask (applied by the kernel), open_flags
  const path = childPath(ctx, h.nodeid, body.name(), 'create')
  const { node, fd } = ctx.ov.createOpen(path, mode, callerOf(h), flags & PASSED & ~fsc.O_TRUNC)
  let made: ReturnType<typeof entryOfNode>
  try {
    made = entryOfNode(ctx, node, true)
  } catch (err) {
    closeSync(fd)
    throw err
  }
  const writable = (flags & ACCMODE) !== fsc.O_RDONLY
  return Buffer.concat([made.entry, handleOn(ctx, made.inode, node.upper as string, fd, writable)])
}

/**
 * The reader's note of a regular file it made itself (CREATE in an upper-only directory:
 * native-bindings/src/fuse-upper.c): its node, handle and passthrough backing become this
 * session's, as `create` makes them. The reader registered the node (settable) and marked it bare
 * already. No reply.
 */
export const readerCreated: Handler = (ctx, h, body) => {
  const parent = inodeOf(ctx, body.nodeid())
  const fh = body.fh()
  const ino = body.u64()
  const dev = body.u64()
  const backingId = body.i32()
  const fd = body.i32()
  const writable = body.u32() === 1
  const bare = body.u32() === 1
  const name = body.name()
  const upper = body.name()
  const inode = ctx.inodes.adopt(h.nodeid, parent.path ? `${parent.path}/${name}` : name, ino, dev)
  ctx.upper.createdByReader(inode)
  if (bare) setNoXattrs(ctx, inode, true)
  ctx.passthrough?.adopt(inode, upper, backingId)
  ctx.files.addAt(fh, { fd, path: upper, inode, writable, passthrough: true })
  if (writable) syncWriter(ctx, inode)
  return null
}

function handle(ctx: Context, fh: number) {
  const f = ctx.files.get(fh)
  if (!f) throw Object.assign(new Error(`bad file handle ${fh}`), { code: 'EBADF' })
  return f
}

export const readData: Handler = async (ctx, _h, body) => {
  const f = handle(ctx, body.fh())
  const offset = body.num64()
  const size = body.u32()
  const buf = Buffer.allocUnsafe(size)
  const { bytesRead } = await readAsync(f.fd, buf, 0, size, offset)
  return buf.subarray(0, bytesRead)
}

export const writeData: Handler = async (ctx, _h, body) => {
  const f = handle(ctx, body.fh())
  const offset = body.num64()
  const size = body.u32()
  const writeFlags = body.u32()
  body.skip(8 + 4 + 4) // lock_owner, flags, padding
  const data = body.bytes(size)
  if (f.lost) throw lostCopy(f)
  if (writeFlags & WRITE_KILL_SUIDGID && dropSetid(f.path)) ctx.attrsChanged(f.inode)
  const { bytesWritten } = await writeAsync(f.fd, data, 0, size, offset)
  return u32Out(bytesWritten)
}

/** An fsync of a copy handed out early waits for its install: durable means in upper/ and on disk. */
export const fsyncFile: Handler = async (ctx, _h, body) => {
  const f = handle(ctx, body.fh())
  if (f.installed) await f.installed.catch(() => undefined)
  if (f.lost) throw lostCopy(f)
  await fsyncAsync(f.fd)
  return Buffer.alloc(0)
}

const lostCopy = (f: FileHandle) =>
  Object.assign(new Error(`the copy-up of ${f.inode.path} failed after its open`), { code: 'EIO' })

/**
 * Keeps the reader's table of nodes open for writing in step (fuse-writers.c answers their plain
 * SETATTR): the node's SETATTR goes to one of its writable descriptors, or to JavaScript when it
 * has none. Called after a writable handle is added and after one is taken, before its fd closes.
 */
function syncWriter(ctx: Context, inode: Inode): void {
  if (typeof inode.ino !== 'number') return // past 2^53: the table holds none, JavaScript answers
  setWriterNode(ctx.writers, inode.nodeid, ctx.files.anyOf(inode, true)?.fd ?? -1, inode.ino)
}

export const release: Handler = (ctx, _h, body) => {
  const f = ctx.files.take(body.fh())
  if (!f) return Buffer.alloc(0)
  if (f.writable) syncWriter(ctx, f.inode)
  closeSync(f.fd)
  if (f.passthrough) ctx.passthrough?.release(f.inode)
  return Buffer.alloc(0)
}

/** fallocate on the backing file (the open was for writing, so it is the upper copy). */
export const fallocateData: Handler = async (ctx, _h, body) => {
  const f = handle(ctx, body.fh())
  const offset = body.num64()
  const length = body.num64()
  const mode = body.u32()
  if (!f.writable) throw Object.assign(new Error('fallocate on a read-only handle'), { code: 'EBADF' })
  await fallocate(f.fd, mode, offset, length)
  return Buffer.alloc(0)
}

/** SEEK_DATA / SEEK_HOLE on the open backing file (its name may be gone): holes show through. */
export const lseek: Handler = (ctx, _h, body) => {
  const f = handle(ctx, body.fh())
  const offset = body.u64()
  const whence = body.u32()
  // past 2^53 is past the end of any backing file
  if (offset > BigInt(Number.MAX_SAFE_INTEGER)) throw Object.assign(new Error('past the end'), { code: 'ENXIO' })
  return u64Out(BigInt(seekData(f.fd, Number(offset), whence)))
}
