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

export class FsError extends Error {
  constructor(
    readonly code: ErrnoName,
    readonly syscall: string,
    readonly path: string,
  ) {
    super(`${code}: ${syscall} '${path}'`)
    this.name = 'FsError'
  }
}

export function hasCode(err: unknown, ...codes: string[]): boolean {
  return typeof err === 'object' && err !== null && codes.includes((err as { code?: unknown }).code as string)
}
