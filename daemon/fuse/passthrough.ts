/**
 * FUSE passthrough: the kernel reads and writes the backing file itself; the daemon sees no READ or
 * WRITE. Rules kept (fuse-notes.md): one registered backing per inode, shared by all its opens and
 * closed with the last; an inode whose registered backing is no longer the file its path shows
 * (a copy-up happened) gets no new opens: they answer ESTALE and the path gets a fresh node, so
 * writers never reach the lower file. Old opens keep reading what they opened (the lower copy),
 * as overlayfs before 4.19 did.
 * Tests: test/integration/fuse-passthrough.test.ts
 */
import { fuseBackingClose, fuseBackingOpen } from '../../native-bindings/index.js'
import type { Inode } from './inodes.js'

interface Backing {
  id: number
  /** the backing path registered */
  path: string
  refs: number
}

export class StaleBacking extends Error {
  readonly code = 'ESTALE'
}

export class Passthrough {
  private readonly backings = new Map<Inode, Backing>()

  constructor(private readonly fuseFd: number) {}

  /** The backing id for an open of `inode` whose data is at `path` (fd open on it), shared per inode. */
  acquire(inode: Inode, path: string, fd: number): number {
    const known = this.backings.get(inode)
    if (known && known.path !== path) throw new StaleBacking(`node ${inode.nodeid} is backed by ${known.path}`)
    if (known) {
      known.refs++
      return known.id
    }
    const id = fuseBackingOpen(this.fuseFd, fd)
    this.backings.set(inode, { id, path, refs: 1 })
    return id
  }

  /** The reader registered `id` for the first open of a node it made (`path`, its upper file). */
  adopt(inode: Inode, path: string, id: number): void {
    if (this.backings.has(inode)) throw new Error(`node ${inode.nodeid} has a backing already`)
    this.backings.set(inode, { id, path, refs: 1 })
  }

  /** Whether a new open of `inode` would find another file than the one it registered. */
  isStale(inode: Inode, path: string): boolean {
    const known = this.backings.get(inode)
    return known !== undefined && known.path !== path
  }

  release(inode: Inode): void {
    const known = this.backings.get(inode)
    if (!known || --known.refs > 0) return
    this.backings.delete(inode)
    fuseBackingClose(this.fuseFd, known.id)
  }
}
