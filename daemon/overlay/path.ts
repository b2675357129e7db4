/**
 * Paths inside the union: '' is the root, components joined by '/', never '.', '..' or empty.
 * Every path from outside goes through parsePath, so no backing path can climb out of a layer.
 */
import { FsError } from './fs-error.js'
import { byteLength } from './names.js'

export const NAME_MAX = 255

export function parsePath(raw: string, syscall: string): string {
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
