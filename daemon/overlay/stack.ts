/**
 * A layer stack: lower directories (top first), an optional upper and work directory, and the
 * choices that hold for the whole mount. Everything else in overlay/ takes a Stack.
 */
import { statSync, type BigIntStats } from 'node:fs'
import { FsError } from './fs-error.js'
import { LowerIndex } from './lower-index.js'
import type { XattrNamespace } from './opaque.js'
import { DirCache } from './dir-cache.js'
import { SyncBatches } from './copy-up-sync.js'

export interface OverlayOptions {
  /** Lower layer directories, top first, as in lowerdir=. */
  lowers: string[]
  /** Without upper (and work) the union is read-only: every change answers EROFS. */
  upper?: string
  work?: string
  /** 'trusted' when running as root (overlayfs's default), 'user' otherwise (its userxattr). */
  xattrNamespace?: XattrNamespace
  /** Skip fsync of copied-up files before they are renamed into upper/ (overlayfs's volatile). */
  volatile?: boolean
  /** Tests only: each shared fsync of copies handed out early starts this much later (copy-up-sync.ts). */
  syncDelayMs?: number
}

/** The caller of an operation: new entries belong to it. */
export interface Caller {
  uid: number
  gid: number
}

const S_ISGID = 0o2000

/** The umask, read without changing it for good (process.umask() without an argument is deprecated). */
function currentUmask(): number {
  const mask = process.umask(0o022)
  process.umask(mask)
  return mask
}

export class Stack {
  readonly lowers: readonly string[]
  readonly upper: string | null
  readonly work: string | null
  readonly ns: XattrNamespace
  readonly volatile: boolean
  readonly index: LowerIndex
  /** Whether copy-up still tries reflink (FICLONE): false once the filesystem has refused it. */
  reflink = true
  /** This process's umask and ids: what a file it creates gets without asking (create.ts). */
  readonly umask: number
  readonly ids: { uid: number; gid: number }
  /** The owner a file staged in work/ gets without asking (the group is work/'s when it is setgid). */
  readonly stagedOwner: { uid: number; gid: number } | null
  /** Resolved directories by union path (lookup.ts owns it; see there for when it is forgotten). */
  readonly dirs = new DirCache()
  /** Hears every copy-up once it is in place: the union path and its new (upper) backing. */
  copiedUp: ((path: string, st: BigIntStats) => void) | null = null
  /** The shared fsync of copies handed out before they are in upper/ (copy-up.ts copyUpLater). */
  readonly syncs: SyncBatches
  /** The copies handed out and not yet installed, by union path: a descriptor of each (open until then). */
  readonly handedOut = new Map<string, number>()
  /** Hears what went wrong with such a copy after its opener had it (nobody else is left to tell). */
  lateCopyUpError: ((path: string, err: unknown) => void) | null = null
  private tmpSeq = 0

  constructor(opts: OverlayOptions) {
    if (!opts.lowers.length && !opts.upper) throw new TypeError('an overlay needs a lower or an upper directory')
    if (Boolean(opts.upper) !== Boolean(opts.work)) throw new TypeError('upper and work go together')
    for (const dir of [...opts.lowers, opts.upper, opts.work]) {
      if (dir !== undefined && !statSync(dir).isDirectory()) throw new TypeError(`${dir} is not a directory`)
    }
    this.lowers = [...opts.lowers]
    this.upper = opts.upper ?? null
    this.work = opts.work ?? null
    this.ns = opts.xattrNamespace ?? (process.getuid?.() === 0 ? 'trusted' : 'user')
    this.volatile = opts.volatile ?? false
    this.syncs = new SyncBatches(opts.syncDelayMs ?? 0)
    this.index = new LowerIndex(this.lowers, this.ns)
    this.umask = currentUmask()
    this.ids = { uid: process.geteuid?.() ?? 0, gid: process.getegid?.() ?? 0 }
    const work = this.work === null ? null : statSync(this.work)
    this.stagedOwner = work && { uid: this.ids.uid, gid: work.mode & S_ISGID ? work.gid : this.ids.gid }
  }

  /** The upper directory, or EROFS for a read-only union. */
  writable(syscall: string, path: string): { upper: string; work: string } {
    if (this.upper === null || this.work === null) throw new FsError('EROFS', syscall, path)
    return { upper: this.upper, work: this.work }
  }

  /** A fresh name in work/ for staging an entry before it is renamed into upper/. */
  stagingPath(): string {
    if (this.work === null) throw new TypeError('no work directory')
    return `${this.work}/#strata-${process.pid}-${++this.tmpSeq}`
  }
}
