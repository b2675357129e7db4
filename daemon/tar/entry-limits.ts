/**
 * What Linux can hold of a tar entry, checked as the entry is read and before anything is made of
 * it: owner ids of 32 bits ((uid_t)-1 means "leave unchanged", so it owns nothing), device numbers
 * as mknod takes them, a symlink target shorter than PATH_MAX, xattr names and values within the
 * VFS's limits, and times whose seconds the addon's utimensat carries. Names are tar-path.ts's. A
 * tar that claims more is broken or hostile: INVALID_ARGUMENT at the API, never INTERNAL.
 * Errors: TarError naming the entry and the field.
 * Tests: test/integration/hostile-tar.test.ts
 */
import { byteLength } from '../overlay/names.js'
import { TarError } from './tar-header.js'
import { PATH_MAX, shown } from './tar-path.js'
import type { TarEntry } from './tar-reader.js'

const MAX_ID = 0xffff_fffe
/** The kernel's dev_t: 12 bits of major, 20 of minor. */
const MAX_MAJOR = 0xfff
const MAX_MINOR = 0xf_ffff
const XATTR_NAME_MAX = 255
const XATTR_SIZE_MAX = 65_536
const MAX_SECONDS = BigInt(Number.MAX_SAFE_INTEGER)
const NS = 1_000_000_000n

export function checkEntryLimits(e: TarEntry): void {
  const refuse = (what: string) => new TarError(`${shown(e.path)}: ${what}`)
  for (const [field, id] of [
    ['uid', e.uid],
    ['gid', e.gid],
  ] as const)
    if (id > MAX_ID) throw refuse(`${field} ${id} is not a Linux id (at most ${MAX_ID})`)
  const seconds = e.mtimeNs / NS
  if (seconds > MAX_SECONDS || seconds < -MAX_SECONDS)
    throw refuse(`mtime ${String(seconds).slice(0, 40)}s is out of range`)
  if (e.type === 'symlink' && byteLength(e.linkname) >= PATH_MAX)
    throw refuse(`symlink target of ${byteLength(e.linkname)} bytes (Linux takes at most ${PATH_MAX - 1})`)
  if ((e.type === 'char' || e.type === 'block') && (e.devmajor > MAX_MAJOR || e.devminor > MAX_MINOR))
    throw refuse(`device ${e.devmajor}:${e.devminor} (Linux takes majors to ${MAX_MAJOR}, minors to ${MAX_MINOR})`)
  for (const [name, value] of e.xattrs) {
    if (Buffer.byteLength(name) > XATTR_NAME_MAX)
      throw refuse(`xattr name of ${Buffer.byteLength(name)} bytes (at most ${XATTR_NAME_MAX})`)
    if (value.length > XATTR_SIZE_MAX)
      throw refuse(`xattr ${shown(name)} of ${value.length} bytes (at most ${XATTR_SIZE_MAX})`)
  }
}
