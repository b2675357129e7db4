/**
 * Open file handles (the `fh` of OPEN and CREATE replies): a backing fd per open file (directories
 * have none: dir-listing.ts).
 * Open files are also found by inode: fchown, fchmod and futimens reach the daemon as SETATTR
 * without a handle, and a node's writable handle answers them without resolving its path.
 * Tests: test/unit/fuse/handles.test.ts
 */
import type { Inode } from './inodes.js'

export interface FileHandle {
  fd: number
  /** the backing file the fd is open on */
  path: string
  inode: Inode
  /** opened for writing (its fd can write; it is on the upper copy) */
  writable: boolean
  /** the open holds a share of the inode's passthrough backing */
  passthrough: boolean
  /** a copy handed out before its install (overlay/copy-up.ts copyUpLater): settles with the install */
  installed?: Promise<void>
  /** that install failed: what was written is gone, and FSYNC and WRITE say EIO */
  lost?: boolean
}

export class Handles<T> {
  /** numbers, not bigints: a Map hashes a number key without touching the heap */
  private readonly open = new Map<number, T>()
  private next = 1

  add(h: T): number {
    const fh = this.next++
    this.addAt(fh, h)
    return fh
  }

  /** A handle the reader numbered itself (its CREATE: from 2^40 on, a range `add` never reaches). */
  addAt(fh: number, h: T): void {
    if (this.open.has(fh)) throw new Error(`file handle ${fh} is taken`)
    this.open.set(fh, h)
  }

  get(fh: number): T | undefined {
    return this.open.get(fh)
  }

  take(fh: number): T | undefined {
    const h = this.open.get(fh)
    this.open.delete(fh)
    return h
  }

  values(): IterableIterator<T> {
    return this.open.values()
  }
}

/** File handles, also indexed by inode. */
export class FileHandles extends Handles<FileHandle> {
  private readonly byInode = new Map<Inode, FileHandle[]>()

  override addAt(fh: number, h: FileHandle): void {
    super.addAt(fh, h)
    const list = this.byInode.get(h.inode)
    if (list) list.push(h)
    else this.byInode.set(h.inode, [h])
  }

  override take(fh: number): FileHandle | undefined {
    const h = super.take(fh)
    const list = h && this.byInode.get(h.inode)
    if (!h || !list) return h
    list.splice(list.indexOf(h), 1)
    if (list.length === 0) this.byInode.delete(h.inode)
    return h
  }

  /** The open handles of `inode`. */
  of(inode: Inode): readonly FileHandle[] {
    return this.byInode.get(inode) ?? []
  }

  /** An open handle of `inode` (`writable`: one open for writing, so on its upper copy). */
  anyOf(inode: Inode, writable: boolean): FileHandle | undefined {
    return this.byInode.get(inode)?.find((h) => !writable || h.writable)
  }
}
