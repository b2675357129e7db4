/**
 * The only place where an error becomes a FUSE errno. Engine and fs errors carry `code`; anything
 * else is a bug: it is logged and answered EIO (never EPERM, fuse-native's fallback).
 */
import { constants } from 'node:os'
import type { Logger } from '../log.js'

export type { Logger }

const ERRNO = constants.errno as Record<string, number>
const ALIASES: Record<string, string> = { ENOTSUP: 'EOPNOTSUPP' }

export function toErrno(err: unknown, op: string, log: Logger): number {
  const code = (err as { code?: unknown } | null)?.code
  if (typeof code === 'string') {
    const n = ERRNO[ALIASES[code] ?? code]
    if (n !== undefined) return -n
  }
  log.error('unexpected error in a FUSE op, answering EIO', { op, err: String((err as Error)?.stack ?? err) })
  return -(ERRNO.EIO as number)
}
