/**
 * Warming the backing filesystem's caches ahead of the engine's synchronous calls, so that the
 * disk reads of many run at once on libuv's pool (native warmPaths) instead of one after another
 * on the JS thread: a listing's backing directories before the listing is read (a directory merged
 * from ten layers is ten directory reads), and a listing window's entries before they are lstat'ed
 * (every entry the kernel does not hold is, for its inode number at least). When everything is
 * cached already a warm costs one trip to the pool; small sets are not worth that and are left alone.
 * Tests: test/unit/fuse/prefetch.test.ts, test/integration/fuse-prefetch.test.ts
 */
import { warmPaths } from '../../native-bindings/index.js'
import type { Logger } from '../log.js'
import type { Overlay } from '../overlay/overlay.js'

/** libuv's pool has four threads unless told otherwise: a warm is cut in as many parts. */
const PARTS = 4
/** Fewer paths than this are not worth a trip to the pool. */
const MIN_PATHS = 8

export class Prefetch {
  /** warms started, by kind, and the paths they covered (the worker logs them at the end) */
  readonly counts = { listings: 0, entries: 0, paths: 0 }

  constructor(
    private readonly ov: Overlay,
    private readonly log: Logger,
  ) {}

  /** Before the listing of directory `path` is read: its backing directories, read through at once. */
  listing(path: string): Promise<void> {
    const dirs = this.ov.backingPathsOf(path)
    if (dirs.length < 2) return Promise.resolve()
    this.counts.listings++
    return this.warm(dirs, true)
  }

  /** Before a listing window's `names` in directory `path` are looked up. */
  entries(path: string, names: readonly string[]): Promise<void> {
    if (names.length < MIN_PATHS) return Promise.resolve()
    this.counts.entries++
    return this.warm(this.ov.backingPathsOf(path, names), false)
  }

  private warm(paths: readonly string[], directories: boolean): Promise<void> {
    if (paths.length === 0) return Promise.resolve()
    this.counts.paths += paths.length
    const size = Math.ceil(
      paths.length / Math.min(PARTS, directories ? paths.length : Math.ceil(paths.length / MIN_PATHS)),
    )
    const parts: Promise<number>[] = []
    for (let i = 0; i < paths.length; i += size) parts.push(warmPaths(paths.slice(i, i + size), directories))
    return Promise.all(parts).then(
      () => undefined,
      // a warm only saves time: a failure of its own (no memory for the job) is logged, never the request's
      (err: unknown) => this.log.warn('warming the backing caches failed', { err: String(err) }),
    )
  }
}
