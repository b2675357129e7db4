/**
 * Decoding of FUSE requests. A Request wraps one buffer read from /dev/fuse; every accessor checks
 * bounds, so a truncated or malformed request throws BadRequest (answered EIO) and never reads
 * past its end.
 * Tests: test/unit/fuse/request.test.ts
 */
import { decodeName } from '../overlay/names.js'
import { IN_HEADER } from './abi.js'

export class BadRequest extends Error {
  readonly code = 'EIO'
  constructor(message: string) {
    super(`malformed FUSE request: ${message}`)
  }
}

export interface Header {
  len: number
  opcode: number
  unique: bigint
  /** a plain number: ids are ours (inodes.ts), all below 2^53; a larger one is unknown, as it should be */
  nodeid: number
  uid: number
  gid: number
  pid: number
}

export function decodeHeader(buf: Buffer): Header {
  if (buf.length < IN_HEADER) throw new BadRequest(`${buf.length} bytes, shorter than the header`)
  const len = buf.readUInt32LE(0)
  if (len !== buf.length) throw new BadRequest(`length field ${len}, but ${buf.length} bytes read`)
  return {
    len,
    opcode: buf.readUInt32LE(4),
    unique: buf.readBigUInt64LE(8),
    nodeid: u64Number(buf, 16),
    uid: buf.readUInt32LE(24),
    gid: buf.readUInt32LE(28),
    pid: buf.readUInt32LE(32),
  }
}

/** A u64 as a number, exact below 2^53 (above, rounded: still above every id inodes.ts gives). */
const u64Number = (buf: Buffer, at: number): number => buf.readUInt32LE(at) + buf.readUInt32LE(at + 4) * 2 ** 32

/** A cursor over the body after the header. */
export class Body {
  private off = IN_HEADER

  constructor(private readonly buf: Buffer) {}

  private need(n: number): number {
    if (this.off + n > this.buf.length) throw new BadRequest(`body needs ${n} more bytes at ${this.off}`)
    const at = this.off
    this.off += n
    return at
  }

  u32(): number {
    return this.buf.readUInt32LE(this.need(4))
  }

  i32(): number {
    return this.buf.readInt32LE(this.need(4))
  }

  u64(): bigint {
    return this.buf.readBigUInt64LE(this.need(8))
  }

  /** A file or directory handle (the fh an OPEN or OPENDIR reply gave), as handles.ts numbers them. */
  fh(): number {
    return u64Number(this.buf, this.need(8))
  }

  /** A node id in the body (LINK, RENAME, BATCH_FORGET), as Header.nodeid. */
  nodeid(): number {
    return u64Number(this.buf, this.need(8))
  }

  /**
   * A u64 that must fit a JS number (offsets, sizes, counts). The kernel allows file offsets up to
   * 2^63; one past 2^53 is past every size a backing filesystem holds (ext4: 16 TiB), so it is
   * EFBIG, as fallocate(2) or ftruncate(2) there would answer, not a malformed request.
   */
  num64(): number {
    const v = this.u64()
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw Object.assign(new Error(`offset ${v} too large`), { code: 'EFBIG' })
    return Number(v)
  }

  skip(n: number): void {
    this.need(n)
  }

  /**
   * A NUL-terminated name (or symlink target). Its bytes need not be UTF-8: those that are not
   * become escapes (overlay/names.ts), so every name reaches the engine as a distinct string and
   * goes back to the backing filesystem as the same bytes.
   */
  name(): string {
    const end = this.buf.indexOf(0, this.off)
    if (end < 0) throw new BadRequest('name without NUL terminator')
    const bytes = this.buf.subarray(this.off, end)
    this.off = end + 1
    return decodeName(bytes)
  }

  /** The remaining bytes (WRITE data, SETXATTR value), exactly `n` of them. */
  bytes(n: number): Buffer {
    const at = this.need(n)
    return this.buf.subarray(at, at + n)
  }

  get remaining(): number {
    return this.buf.length - this.off
  }
}
