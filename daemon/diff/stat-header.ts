/**
 * Tar header fields of one entry from its lstat, for the tars strata writes itself: a directory's
 * (upper-tar.ts: commit) and a container's merged view (merged-tar.ts: export). Mode, owner and
 * mtime in whole seconds; the names after the first of an inode are hard links to that first one.
 * A socket has no tar type: it is left out (`null`), as docker commit/export, containerd and GNU
 * tar leave it out; the process that made it makes it again.
 * Tests: test/unit/diff/stat-header.test.ts, test/integration/upper-tar.test.ts
 */
import type { BigIntStats } from 'node:fs'
import { splitDev } from '../../native-bindings/index.js'
import type { HeaderFields } from '../tar/tar-writer.js'

export const ownerAndTime = (st: BigIntStats): { uid: number; gid: number; mtime: number } => ({
  uid: Number(st.uid),
  gid: Number(st.gid),
  mtime: Number(st.mtimeMs / 1000n),
})

/** The first name each inode was handed out under, in tar order. */
export class HardLinks {
  private readonly first = new Map<string, string>()

  /** The inode's first name when `name` is not it (an entry to write as a link); remembers `name` otherwise. */
  firstOf(st: BigIntStats, name: string): string | undefined {
    if (st.nlink <= 1n) return undefined
    const key = `${st.dev}:${st.ino}`
    const first = this.first.get(key)
    if (first === undefined) this.first.set(key, name)
    return first
  }
}

/** How an entry's contents are read, called only for the kinds that need them. */
export interface EntryReader {
  xattrs(): Map<string, Buffer>
  readlink(): string
}

/** The entry's header fields (a directory's name ends in /), or null for a socket. */
export function statFields(st: BigIntStats, name: string, read: EntryReader, links: HardLinks): HeaderFields | null {
  if (st.isSocket()) return null
  const base = { ...ownerAndTime(st), mode: Number(st.mode) & 0o7777, xattrs: read.xattrs() }
  if (st.isDirectory()) return { ...base, name: `${name}/`, type: 'dir' }
  const first = links.firstOf(st, name)
  if (first !== undefined) return { ...base, name, type: 'link', linkname: first }
  if (st.isSymbolicLink()) return { ...base, name, type: 'symlink', linkname: read.readlink() }
  if (st.isFile()) return { ...base, name, type: 'file', size: Number(st.size) }
  const [devmajor, devminor] = splitDev(st.rdev)
  const type = st.isCharacterDevice() ? 'char' : st.isBlockDevice() ? 'block' : 'fifo'
  return { ...base, name, type, devmajor, devminor }
}
