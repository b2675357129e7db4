/**
 * Directory listings served by node id, without open directory handles: the kernel is told that
 * OPENDIR is not needed (FUSE_NO_OPENDIR_SUPPORT, since Linux 5.1), so walking a tree costs no
 * OPENDIR or RELEASEDIR round trip per directory, and it still caches each listing as FOPEN_CACHE_DIR
 * lets it. With no handle to hold a snapshot per reader, an entry's offset is a cookie derived from
 * its name (a 52-bit hash, as ext4's hash-ordered readdir does): a reader that goes on at an offset
 * gets every entry whose cookie is greater, from whichever listing is current, so an entry that
 * stays in the directory is returned exactly once however the directory changes in between (an
 * entry added or removed meanwhile may or may not show, as POSIX allows). '.' and '..' come first.
 * A reply never ends between two entries with the same cookie, so a collision skips nothing.
 * Tests: test/unit/fuse/dir-listing.test.ts, and the union suite through the mount.
 */
import type { EntryType } from '../overlay/entry-type.js'

export interface Listed {
  name: string
  type: EntryType
  cookie: number
}

const DOT_COOKIES = 2

/** The entry's cookie: above DOT_COOKIES and below 2^52 (exact as a number, a valid u64 offset). */
export function cookieOf(name: string): number {
  let a = 0x9e3779b9 ^ name.length
  let b = 0x85ebca6b
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i)
    a = Math.imul(a ^ c, 0x01000193)
    b = Math.imul(b ^ c, 0x27d4eb2d)
  }
  a = Math.imul(a ^ (a >>> 16), 0x7feb352d)
  b = Math.imul(b ^ (b >>> 15), 0x846ca68b)
  a ^= b >>> 7
  return ((b >>> 12) & 0xfffff) * 2 ** 32 + (a >>> 0) + DOT_COOKIES + 1
}

/** A directory's entries in cookie order, after '.' and '..'. */
export function listingOf(entries: readonly { name: string; type: EntryType }[]): Listed[] {
  const named = entries.map((e) => ({ name: e.name, type: e.type, cookie: cookieOf(e.name) }))
  named.sort((x, y) => x.cookie - y.cookie || (x.name < y.name ? -1 : x.name > y.name ? 1 : 0))
  return [{ name: '.', type: 'dir', cookie: 1 }, { name: '..', type: 'dir', cookie: 2 }, ...named]
}

/** The index of the first entry after `offset` (0: the start). */
export function firstAfter(list: readonly Listed[], offset: number): number {
  let lo = 0
  let hi = list.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if ((list[mid] as Listed).cookie <= offset) lo = mid + 1
    else hi = mid
  }
  return lo
}

/**
 * How many entries from `start` fit in `size` bytes (`sizeOf` each), and their bytes, never ending a
 * reply inside a run of equal cookies: the next reader would resume after that cookie and miss the
 * rest of the run.
 */
export function fitting(
  list: readonly Listed[],
  start: number,
  size: number,
  sizeOf: (e: Listed) => number,
): { count: number; bytes: number } {
  let end = start
  let bytes = 0
  for (; end < list.length; end++) {
    const need = sizeOf(list[end] as Listed)
    if (bytes + need > size) break
    bytes += need
  }
  if (end === list.length || end === start) return { count: end - start, bytes }
  const cut = (list[end] as Listed).cookie
  let back = end
  while (back > start && (list[back - 1] as Listed).cookie === cut) back--
  if (back === start) return { count: end - start, bytes }
  for (let k = back; k < end; k++) bytes -= sizeOf(list[k] as Listed)
  return { count: back - start, bytes }
}

/**
 * Listings being read, by directory node id: a reader starting at offset 0 gets a fresh one, and
 * readers going on reuse it until one reaches the end. Bounded: a listing nobody finished reading
 * (`ls | head`) is dropped oldest first, and a reader still going on then gets a fresh one (its
 * cookies say where to resume).
 */
export class Listings {
  private readonly byNode = new Map<number, Listed[]>()

  constructor(private readonly max = 256) {}

  /** The listing a reader going on at `offset` reuses; undefined when `get` would read one. */
  kept(nodeid: number, offset: number): Listed[] | undefined {
    return offset === 0 ? undefined : this.byNode.get(nodeid)
  }

  get(nodeid: number, offset: number, read: () => Listed[]): Listed[] {
    const kept = this.kept(nodeid, offset)
    if (kept) return kept
    const list = read()
    this.byNode.delete(nodeid)
    this.byNode.set(nodeid, list)
    if (this.byNode.size > this.max) this.byNode.delete(this.byNode.keys().next().value as number)
    return list
  }

  /** The reader reached the end, or the node was forgotten. */
  drop(nodeid: number): void {
    this.byNode.delete(nodeid)
  }

  get size(): number {
    return this.byNode.size
  }
}
