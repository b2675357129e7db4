/**
 * INIT negotiation: take only what the kernel offers, ask for 1 MiB requests, async reads, parallel
 * directory ops, READDIRPLUS (always: not AUTO, whose rule stat-follow.ts replaces), atomic O_TRUNC, cached symlinks, ns timestamps and
 * HANDLE_KILLPRIV_V2 (setid bits are dropped here, so the kernel stops refreshing attributes and
 * asking for security.capability before every chown; ops/file.ts, overlay/setattr.ts); POSIX_ACL
 * (the kernel enforces ACLs, as overlayfs does, and caches them: `ls -l` asks for one xattr per
 * file instead of two); the extended setxattr form when offered. Works with kernels that lack the
 * newer flags. Not DONT_MASK: in a directory with a default ACL the umask still applies
 * (test/integration/fuse-acl.test.ts says so).
 */
import { FUSE_KERNEL_MINOR, FUSE_KERNEL_VERSION, Init, Init2, INIT_OUT, MAX_PAGES, MAX_WRITE } from './abi.js'
import { BadRequest, type Body } from './request.js'

export interface Negotiated {
  minor: number
  flags: number
  setxattrExt: boolean
  passthrough: boolean
  /** the kernel does without OPENDIR/RELEASEDIR when told ENOSYS (FUSE_NO_OPENDIR_SUPPORT) */
  noOpendir: boolean
}

const WANTED =
  Init.ASYNC_READ |
  Init.ATOMIC_O_TRUNC |
  Init.BIG_WRITES |
  Init.DO_READDIRPLUS |
  Init.PARALLEL_DIROPS |
  Init.MAX_PAGES |
  Init.CACHE_SYMLINKS |
  Init.SETXATTR_EXT |
  Init.HANDLE_KILLPRIV_V2 |
  Init.POSIX_ACL |
  Init.INIT_EXT

/** `wantPassthrough`: asked for (root, not switched off); granted only if the kernel offers it. */
export function negotiate(body: Body, wantPassthrough: boolean): { reply: Buffer; result: Negotiated } {
  const major = body.u32()
  const minor = body.u32()
  body.skip(4) // max_readahead
  const offered = body.u32()
  const offered2 = offered & Init.INIT_EXT && body.remaining >= 4 ? body.u32() : 0
  if (major !== FUSE_KERNEL_VERSION) throw new BadRequest(`kernel speaks FUSE ${major}, not 7`)
  const agreedMinor = Math.min(minor, FUSE_KERNEL_MINOR)
  const flags = offered & WANTED
  const reply = Buffer.alloc(INIT_OUT)
  reply.writeUInt32LE(FUSE_KERNEL_VERSION, 0)
  reply.writeUInt32LE(agreedMinor, 4)
  reply.writeUInt32LE(1024 * 1024, 8) // max_readahead
  reply.writeUInt32LE(flags >>> 0, 12)
  reply.writeUInt16LE(64, 16) // max_background
  reply.writeUInt16LE(48, 18) // congestion_threshold
  reply.writeUInt32LE(MAX_WRITE, 20)
  reply.writeUInt32LE(1, 24) // time_gran: nanoseconds
  reply.writeUInt16LE(flags & Init.MAX_PAGES ? MAX_PAGES : 0, 28)
  const passthrough = wantPassthrough && (flags & Init.INIT_EXT) !== 0 && (offered2 & Init2.PASSTHROUGH) !== 0
  reply.writeUInt32LE(passthrough ? Init2.PASSTHROUGH : 0, 32) // flags2
  reply.writeUInt32LE(passthrough ? 1 : 0, 36) // max_stack_depth: backing files on a non-stacked fs
  const noOpendir = (offered & Init.NO_OPENDIR_SUPPORT) !== 0
  return {
    reply,
    result: { minor: agreedMinor, flags, setxattrExt: (flags & Init.SETXATTR_EXT) !== 0, passthrough, noOpendir },
  }
}
