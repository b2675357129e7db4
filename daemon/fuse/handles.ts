/**
 * Open file and directory handles (the `fh` of OPEN/OPENDIR replies): a backing fd per open file,
 * a snapshot of the entries per open directory, so readdir offsets stay stable while it is read.
 */
import type { DirEntry } from '../overlay/overlay.js'
import type { Inode } from './inodes.js'

export interface FileHandle {
  fd: number
  /** the backing file the fd is open on */
  path: string
  inode: Inode
  writable: boolean
  /** the open holds a share of the inode's passthrough backing */
  passthrough: boolean
}

export interface DirHandle {
  inode: Inode
  entries: DirEntry[] | null
}

export class Handles<T> {
  private readonly open = new Map<bigint, T>()
  private next = 1n

  add(h: T): bigint {
    const fh = this.next++
    this.open.set(fh, h)
    return fh
  }

  get(fh: bigint): T | undefined {
    return this.open.get(fh)
  }

  take(fh: bigint): T | undefined {
    const h = this.open.get(fh)
    this.open.delete(fh)
    return h
  }

  values(): IterableIterator<T> {
    return this.open.values()
  }
}
