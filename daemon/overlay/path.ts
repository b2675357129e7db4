/**
 * Paths inside the union: '' is the root, components joined by '/', never '.', '..' or empty.
 * Every path from outside goes through parsePath, so no backing path can climb out of a layer.
 * Tests: test/unit/overlay/path.test.ts
 */
import { FsError } from './fs-error.js'
import { byteLength } from './names.js'

export const NAME_MAX = 255

/**
 * Paths made by the FUSE layer (joined from checked names) are canonical already: a path with no
 * empty, '.' or '..' component and no NUL, whose components are too short to pass NAME_MAX (3
 * UTF-8 bytes a code unit at most), is returned as it is, without splitting it.
 */
const NOT_PLAIN = /(?:^|\/)\.{0,2}(?:\/|$)|\0/
const MAYBE_LONG = new RegExp(`[^/]{${Math.floor(NAME_MAX / 3) + 1}}`)

export function parsePath(raw: string, syscall: string): string {
  if (!NOT_PLAIN.test(raw) && !MAYBE_LONG.test(raw)) return raw
  const parts = raw.split('/').filter((p) => p !== '' && p !== '.')
  for (const p of parts) checkName(p, syscall, raw)
  return parts.join('/')
}

export function checkName(name: string, syscall: string, path = name): void {
  if (name === '..' || name.includes('\0')) throw new FsError('EINVAL', syscall, path)
  if (byteLength(name) > NAME_MAX) throw new FsError('ENAMETOOLONG', syscall, path)
}

export function splitParent(path: string): { parent: string; name: string } {
  const i = path.lastIndexOf('/')
  return i < 0 ? { parent: '', name: path } : { parent: path.slice(0, i), name: path.slice(i + 1) }
}

export function joinPath(dir: string, name: string): string {
  return dir === '' ? name : `${dir}/${name}`
}

/** The backing path of `path` inside the layer directory `root`. */
export function backing(root: string, path: string): string {
  return path === '' ? root : `${root}/${path}`
}

export function isWithin(path: string, ancestor: string): boolean {
  return ancestor === '' || path === ancestor || path.startsWith(`${ancestor}/`)
}
