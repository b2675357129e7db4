/**
 * A path inside a root directory (a build context, a container's mounted root filesystem), with
 * its symlinks followed as a process chrooted there would follow them: an absolute target starts
 * again at the root, `..` stops at the root. So COPY into `/app` where the image's /app links to
 * /etc writes the image's /etc, never the host's.
 * Errors: INVALID_ARGUMENT for a symlink loop.
 * Tests: test/unit/build/scoped-path.test.ts
 */
import { lstatSync, readlinkSync, type Stats } from 'node:fs'
import { join } from 'node:path'
import { invalidArgument } from '../errors.js'

const MAX_LINKS = 40

/** The host path of `path` (read as absolute inside `root`); the last component is followed unless `followLast` is false. */
export function resolveInRoot(root: string, path: string, followLast = true): string {
  let resolved: string[] = []
  const todo = path.split('/').filter(Boolean)
  let links = 0
  while (todo.length) {
    const part = todo.shift() as string
    if (part === '.') continue
    if (part === '..') {
      resolved.pop()
      continue
    }
    const host = join(root, ...resolved, part)
    if ((todo.length || followLast) && lstatOrNull(host)?.isSymbolicLink()) {
      if (++links > MAX_LINKS) throw invalidArgument(`too many levels of symbolic links in ${path}`)
      const target = readlinkSync(host)
      if (target.startsWith('/')) resolved = []
      todo.unshift(...target.split('/').filter(Boolean))
      continue
    }
    resolved.push(part)
  }
  return join(root, ...resolved)
}

export function lstatOrNull(path: string): Stats | null {
  try {
    return lstatSync(path)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return null
    throw err
  }
}
