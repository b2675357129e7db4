/**
 * FsError: the engine's one error type, shaped like Node's own fs errors so the FUSE boundary
 * (daemon/fuse/errno.ts) maps `code` to an errno without knowing where it came from.
 * Errors from fs and native-bindings already have that shape and pass through unchanged.
 */
export type ErrnoName =
  | 'ENOENT'
  | 'ENOTDIR'
  | 'EISDIR'
  | 'EEXIST'
  | 'ENOTEMPTY'
  | 'EINVAL'
  | 'EPERM'
  | 'EROFS'
  | 'EXDEV'
  | 'ENODATA'
  | 'ENAMETOOLONG'
  | 'EOPNOTSUPP'
  | 'ELOOP'
  | 'EBUSY'

/**
 * No stack trace is captured: these are answers (ENOENT for every name a lookup misses, EEXIST…),
 * made on hot paths, never bugs to trace; capturing one cost more than the lookup's syscall.
 */
export class FsError extends Error {
  readonly code: ErrnoName
  readonly syscall: string
  readonly path: string

  constructor(code: ErrnoName, syscall: string, path: string) {
    const limit = Error.stackTraceLimit
    Error.stackTraceLimit = 0
    super(`${code}: ${syscall} '${path}'`)
    Error.stackTraceLimit = limit
    this.name = 'FsError'
    this.code = code
    this.syscall = syscall
    this.path = path
  }
}

export function hasCode(err: unknown, ...codes: string[]): boolean {
  return typeof err === 'object' && err !== null && codes.includes((err as { code?: unknown }).code as string)
}
