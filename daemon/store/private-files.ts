/**
 * Keeps a directory's files 0600 while a library we do not control writes them: LevelDB opens its
 * files with mode 0644 (fixed in its env_posix.cc), at open and later too (a new log at each
 * memtable flush, tables at compaction, a MANIFEST at each open).
 * Not a process umask: stratad also makes things that others must reach (the socket's directory,
 * layer trees whose modes come from the tar, container and mount directories) and its mount
 * workers inherit its umask, so a umask of 077 would have every one of those places restate its
 * mode, now and in code yet to be written. Here instead an inotify watch on the directory
 * (fs.watch) chmods each name as it appears, and a pass at start fixes what is there. The
 * directory itself is 0700, so no one else can open a file in the moment before its chmod.
 * Tests: test/integration/data-root-modes.test.ts
 */
import { chmodSync, readdirSync, watch, type FSWatcher } from 'node:fs'
import { join } from 'node:path'

export const PRIVATE_FILE = 0o600

/** Watches `dir` (which must exist) and makes every file in it 0600 from now on; `close` stops it. */
export function keepFilesPrivate(dir: string, onError: (err: Error) => void): FSWatcher {
  const watcher = watch(dir, { persistent: false }, (event, name) => {
    if (event === 'rename' && name) privateFile(join(dir, name), onError)
  })
  watcher.on('error', onError)
  makeFilesPrivate(dir, onError)
  return watcher
}

/** One pass: every file now in `dir` made 0600 (the watch's events arrive a moment later). */
export function makeFilesPrivate(dir: string, onError: (err: Error) => void): void {
  for (const name of readdirSync(dir)) privateFile(join(dir, name), onError)
}

function privateFile(path: string, onError: (err: Error) => void): void {
  try {
    chmodSync(path, PRIVATE_FILE)
  } catch (err) {
    // A rename event also reports a name that went (a log LevelDB deleted): nothing to do.
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') onError(err as Error)
  }
}
