/**
 * The kernel FUSE ABI (include/uapi/linux/fuse.h): opcodes, flags and struct sizes. Facts only.
 */
export const FUSE_KERNEL_VERSION = 7
/** The newest minor we know; INIT answers with min(kernel's, ours). */
export const FUSE_KERNEL_MINOR = 45

export const Op = {
  LOOKUP: 1,
  FORGET: 2,
  GETATTR: 3,
  SETATTR: 4,
  READLINK: 5,
  SYMLINK: 6,
  MKNOD: 8,
  MKDIR: 9,
  UNLINK: 10,
  RMDIR: 11,
  RENAME: 12,
  LINK: 13,
  OPEN: 14,
  READ: 15,
  WRITE: 16,
  STATFS: 17,
  RELEASE: 18,
  FSYNC: 20,
  SETXATTR: 21,
  GETXATTR: 22,
  LISTXATTR: 23,
  REMOVEXATTR: 24,
  FLUSH: 25,
  INIT: 26,
  OPENDIR: 27,
  READDIR: 28,
  RELEASEDIR: 29,
  FSYNCDIR: 30,
  ACCESS: 34,
  CREATE: 35,
  INTERRUPT: 36,
  DESTROY: 38,
  BATCH_FORGET: 42,
  FALLOCATE: 43,
  READDIRPLUS: 44,
  RENAME2: 45,
  LSEEK: 46,
} as const

export const Init = {
  ASYNC_READ: 1 << 0,
  ATOMIC_O_TRUNC: 1 << 3,
  BIG_WRITES: 1 << 5,
  DONT_MASK: 1 << 6,
  DO_READDIRPLUS: 1 << 13,
  READDIRPLUS_AUTO: 1 << 14,
  PARALLEL_DIROPS: 1 << 18,
  POSIX_ACL: 1 << 20,
  MAX_PAGES: 1 << 22,
  CACHE_SYMLINKS: 1 << 23,
  NO_OPENDIR_SUPPORT: 1 << 24,
  HANDLE_KILLPRIV_V2: 1 << 28,
  SETXATTR_EXT: 1 << 29,
  INIT_EXT: 1 << 30,
} as const

/** Bits of flags2 (the high 32 bits of the 64-bit flag word). */
export const Init2 = {
  PASSTHROUGH: 1 << (37 - 32),
} as const

export const Fattr = {
  MODE: 1 << 0,
  UID: 1 << 1,
  GID: 1 << 2,
  SIZE: 1 << 3,
  ATIME: 1 << 4,
  MTIME: 1 << 5,
  FH: 1 << 6,
  ATIME_NOW: 1 << 7,
  MTIME_NOW: 1 << 8,
  CTIME: 1 << 10,
  KILL_SUIDGID: 1 << 11,
} as const

export const Fopen = {
  DIRECT_IO: 1 << 0,
  KEEP_CACHE: 1 << 1,
  CACHE_DIR: 1 << 3,
  PASSTHROUGH: 1 << 7,
} as const

export const IN_HEADER = 40
export const OUT_HEADER = 16
export const ATTR_SIZE = 88
export const ENTRY_OUT = 40 + ATTR_SIZE
export const ATTR_OUT = 16 + ATTR_SIZE
export const OPEN_OUT = 16
export const INIT_OUT = 64
export const STATFS_OUT = 80
export const DIRENT_BASE = 24

/** d_type values for readdir. */
export const DType = { file: 8, dir: 4, symlink: 10, char: 2, block: 6, fifo: 1, socket: 12 } as const

export const MAX_WRITE = 1024 * 1024
export const MAX_PAGES = 256
/** A read buffer must hold the largest WRITE plus its headers, or the kernel refuses INIT. */
export const READ_BUFFER = MAX_WRITE + 4096
