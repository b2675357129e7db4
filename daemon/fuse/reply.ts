/**
 * Encoding of FUSE replies: the out header plus fixed-layout bodies (attr, entry, open, statfs,
 * dirents). Pure functions over Buffers; the session writes them to /dev/fuse.
 * Tests: test/unit/fuse/reply.test.ts
 */
import { byteLength as nameLength, encodeName, hasEscapes } from '../overlay/names.js'
import type { Ino } from './inodes.js'
import { ATTR_OUT, DIRENT_BASE, ENTRY_OUT, OPEN_OUT, OUT_HEADER, STATFS_OUT } from './abi.js'

export interface FuseAttr {
  ino: Ino
  size: bigint
  blocks: bigint
  atimeNs: bigint
  mtimeNs: bigint
  ctimeNs: bigint
  mode: number
  nlink: number
  uid: number
  gid: number
  rdev: number
}

export interface Timeout {
  /** seconds the kernel may cache the entry (name -> node) */
  entry: number
  /** seconds the kernel may cache the attributes */
  attr: number
}

const NS = 1_000_000_000n

export function withHeader(unique: bigint, body: Buffer | null, error = 0): Buffer {
  const out = Buffer.alloc(OUT_HEADER + (body?.length ?? 0))
  out.writeUInt32LE(out.length, 0)
  out.writeInt32LE(error, 4)
  out.writeBigUInt64LE(unique, 8)
  body?.copy(out, OUT_HEADER)
  return out
}

export const errorReply = (unique: bigint, negErrno: number): Buffer => withHeader(unique, null, negErrno)

function splitNs(ns: bigint): [bigint, number] {
  let sec = ns / NS
  let nsec = ns % NS
  if (nsec < 0n) {
    sec -= 1n
    nsec += NS
  }
  return [sec, Number(nsec)]
}

/** A u64 field from a number (below 2^53) or a bigint. */
function writeU64(buf: Buffer, v: number | bigint, at: number): void {
  if (typeof v === 'bigint') {
    buf.writeBigUInt64LE(v, at)
    return
  }
  buf.writeUInt32LE(v % 2 ** 32, at)
  buf.writeUInt32LE(Math.floor(v / 2 ** 32), at + 4)
}

export function writeAttr(buf: Buffer, at: number, a: FuseAttr): void {
  writeU64(buf, a.ino, at)
  buf.writeBigUInt64LE(a.size, at + 8)
  buf.writeBigUInt64LE(a.blocks, at + 16)
  writeTime(buf, a.atimeNs, at + 24, at + 48)
  writeTime(buf, a.mtimeNs, at + 32, at + 52)
  writeTime(buf, a.ctimeNs, at + 40, at + 56)
  buf.writeUInt32LE(a.mode, at + 60)
  buf.writeUInt32LE(a.nlink, at + 64)
  buf.writeUInt32LE(a.uid, at + 68)
  buf.writeUInt32LE(a.gid, at + 72)
  buf.writeUInt32LE(a.rdev, at + 76)
  buf.writeUInt32LE(4096, at + 80) // blksize
  buf.writeUInt32LE(0, at + 84) // flags
}

/** A time's seconds (s64) and nanoseconds (u32), at their two places in fuse_attr. */
function writeTime(buf: Buffer, ns: bigint, secAt: number, nsecAt: number): void {
  const [sec, nsec] = splitNs(ns)
  buf.writeBigInt64LE(sec, secAt)
  buf.writeUInt32LE(nsec, nsecAt)
}

function putTimeout(buf: Buffer, at: number, seconds: number): void {
  writeU64(buf, Math.floor(seconds), at)
}

/** fuse_entry_out; nodeid 0 with a timeout is a negative entry. */
export function entryOut(nodeid: number, attr: FuseAttr | null, t: Timeout): Buffer {
  const b = Buffer.alloc(ENTRY_OUT)
  writeU64(b, nodeid, 0)
  // generation 0: an id is reused only after the kernel forgot it (inodes.ts), and the mount is not NFS-exported
  putTimeout(b, 16, t.entry)
  putTimeout(b, 24, t.attr)
  if (attr) writeAttr(b, 40, attr)
  return b
}

export function attrOut(attr: FuseAttr, seconds: number): Buffer {
  const b = Buffer.alloc(ATTR_OUT)
  putTimeout(b, 0, seconds)
  writeAttr(b, 16, attr)
  return b
}

export function openOut(fh: number, openFlags: number, backingId = 0): Buffer {
  const b = Buffer.alloc(OPEN_OUT)
  writeU64(b, fh, 0)
  b.writeUInt32LE(openFlags, 8)
  b.writeInt32LE(backingId, 12)
  return b
}

export function u32Out(value: number): Buffer {
  const b = Buffer.alloc(8)
  b.writeUInt32LE(value, 0)
  return b
}

export function u64Out(value: bigint): Buffer {
  const b = Buffer.alloc(8)
  b.writeBigUInt64LE(value, 0)
  return b
}

export interface FsStats {
  blocks: number
  bfree: number
  bavail: number
  files: number
  ffree: number
  bsize: number
}

export function statfsOut(s: FsStats): Buffer {
  const b = Buffer.alloc(STATFS_OUT)
  ;[s.blocks, s.bfree, s.bavail, s.files, s.ffree].forEach((v, i) => b.writeBigUInt64LE(BigInt(v), i * 8))
  b.writeUInt32LE(s.bsize, 40)
  b.writeUInt32LE(255, 44) // namelen
  b.writeUInt32LE(s.bsize, 48) // frsize
  return b
}

const pad8 = (n: number) => (n + 7) & ~7

/** Size of one fuse_dirent (plus = fuse_direntplus) for `name`. */
export function direntSize(name: string, plus: boolean): number {
  return (plus ? ENTRY_OUT : 0) + pad8(DIRENT_BASE + nameLength(name))
}

/** Writes one dirent at `at`; `entry` (an encoded fuse_entry_out) makes it a direntplus. */
export function writeDirent(
  buf: Buffer,
  at: number,
  d: { ino: Ino; off: number; type: number; name: string },
  entry: Buffer | null,
): number {
  let p = at
  if (entry) {
    entry.copy(buf, p)
    p += ENTRY_OUT
  }
  const escaped = hasEscapes(d.name) ? encodeName(d.name) : null // bytes that were not UTF-8 (names.ts)
  const nameLen = escaped ? escaped.length : Buffer.byteLength(d.name)
  writeU64(buf, d.ino, p)
  writeU64(buf, d.off, p + 8)
  buf.writeUInt32LE(nameLen, p + 16)
  buf.writeUInt32LE(d.type, p + 20)
  if (escaped) escaped.copy(buf, p + DIRENT_BASE)
  else buf.write(d.name, p + DIRENT_BASE, 'utf8')
  return p + pad8(DIRENT_BASE + nameLen) - at
}

const FUSE_NOTIFY_INVAL_INODE = 2

/** A notification that drops the kernel's cached attributes of `nodeid` (offset -1: no page data). */
export function invalInodeNotify(nodeid: number): Buffer {
  const out = Buffer.alloc(OUT_HEADER + 24)
  out.writeUInt32LE(out.length, 0)
  out.writeInt32LE(FUSE_NOTIFY_INVAL_INODE, 4)
  out.writeBigUInt64LE(0n, 8) // unique 0: a notification, not a reply
  writeU64(out, nodeid, 16)
  out.writeBigInt64LE(-1n, 24)
  out.writeBigInt64LE(0n, 32)
  return out
}
