/**
 * Names inside a layer tar, made safe: relative, no `..`, no empty or `.` components. The root
 * directory itself ("./") is ''. Anything else is a TarError naming the entry.
 */
import { TarError } from './tar-header.js'

export function normalizeName(name: string, what = 'entry'): string {
  if (name.startsWith('/')) throw new TarError(`${what} ${JSON.stringify(name)} is an absolute path`)
  const parts = name.split('/').filter((p) => p !== '' && p !== '.')
  if (parts.includes('..')) throw new TarError(`${what} ${JSON.stringify(name)} contains ..`)
  return parts.join('/')
}
