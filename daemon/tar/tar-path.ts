/**
 * Names inside a layer tar, made safe: relative, no NUL, no `..`, no empty or `.` components, and short
 * enough for Linux (each component at most NAME_MAX bytes, the whole path, with the `/` it has in a
 * container, at most PATH_MAX less its NUL). The root directory itself ("./") is ''. Anything else
 * is a TarError naming the entry. Lengths are of a name's bytes (names.ts: an escaped byte is one).
 * Tests: test/integration/hostile-tar.test.ts
 */
import { byteLength } from '../overlay/names.js'
import { TarError } from './tar-header.js'

/** Linux's NAME_MAX: the bytes of one file name. */
export const NAME_MAX = 255
/** Linux's PATH_MAX, its NUL included. */
export const PATH_MAX = 4096

export function normalizeName(name: string, what = 'entry'): string {
  if (name.startsWith('/')) throw new TarError(`${what} ${shown(name)} is an absolute path`)
  // A PAX path is bytes up to its newline: a NUL there is no name Linux can hold.
  if (name.includes('\0')) throw new TarError(`${what} ${shown(name)} contains a NUL byte`)
  const parts = name.split('/').filter((p) => p !== '' && p !== '.')
  if (parts.includes('..')) throw new TarError(`${what} ${shown(name)} contains ..`)
  const long = parts.find((p) => byteLength(p) > NAME_MAX)
  if (long !== undefined)
    throw new TarError(`${what} ${shown(name)} has a name of ${byteLength(long)} bytes (at most ${NAME_MAX})`)
  const path = parts.join('/')
  const bytes = byteLength(path) + 2 // the leading '/' and the NUL
  if (bytes > PATH_MAX)
    throw new TarError(`${what} ${shown(name)} is a path of ${bytes - 2} bytes (too long for Linux)`)
  return path
}

/** A name for a message: JSON-quoted, and cut short when it is long (a hostile one may be 1 MiB). */
export function shown(name: string): string {
  return name.length <= 100 ? JSON.stringify(name) : `${JSON.stringify(name.slice(0, 60))}…`
}
