/**
 * Puts COPY's and ADD's sources into a root filesystem (a container's mount, or a fresh directory
 * for the first step of `FROM scratch`), as Docker does: a directory source gives its contents, a
 * destination ending in `/` (or several sources) is a directory, a relative destination is under
 * the WORKDIR, missing parents are made (0755, root). Files keep their mode and mtime; owner root
 * unless `--chown` (ADD's unpacked archives keep theirs), mode as `--chmod` when given. The
 * destination is resolved inside the root (scoped-path.ts), and an entry in the way is replaced,
 * never followed.
 * Errors: INVALID_ARGUMENT (several sources into a non-directory, a device or fifo in the sources).
 * Tests: test/integration/image-build.test.ts
 */
import {
  chmodSync,
  copyFileSync,
  lchownSync,
  lutimesSync,
  mkdirSync,
  readdirSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  type Stats,
} from 'node:fs'
import { join, posix } from 'node:path'
import { invalidArgument } from '../errors.js'
import type { Source } from './copy-sources.js'
import { lstatOrNull, resolveInRoot } from './scoped-path.js'

export interface CopyOptions {
  /** The owner every copied entry gets; undefined keeps the source's (ADD of an archive) or makes root (COPY). */
  owner: { uid: number; gid: number } | 'keep' | undefined
  chmod?: number
}

/** Where `dest` (absolute, or relative to `workdir`) is, and whether the sources go inside it. */
export function destination(dest: string, workdir: string, sources: number): { path: string; isDir: boolean } {
  const path = posix.resolve(workdir || '/', dest)
  const isDir = dest.endsWith('/') || dest === '.' || dest.endsWith('/.')
  if (sources > 1 && !isDir)
    throw invalidArgument(
      'When using COPY with more than one source file, the destination must be a directory and end with a /',
    )
  return { path, isDir }
}

export function copySources(
  root: string,
  sources: Source[],
  dest: { path: string; isDir: boolean },
  o: CopyOptions,
): void {
  for (const s of sources) {
    const st = lstatOrNull(s.path) as Stats
    if (st.isDirectory()) {
      const target = makeDirs(root, dest.path)
      for (const n of readdirSync(s.path)) copyEntry(join(s.path, n), join(target, n), o)
      continue
    }
    const into = dest.isDir || lstatOrNull(resolveInRoot(root, dest.path))?.isDirectory()
    const parent = into ? dest.path : posix.dirname(dest.path)
    const name = into ? s.name : posix.basename(dest.path)
    copyEntry(s.path, join(makeDirs(root, parent), name), o)
  }
}

/** Makes each missing directory of `path` inside the root; its host path. */
function makeDirs(root: string, path: string): string {
  let host = root
  let inside = ''
  for (const part of path.split('/').filter(Boolean)) {
    inside = `${inside}/${part}`
    host = resolveInRoot(root, inside)
    const st = lstatOrNull(host)
    if (st?.isDirectory()) continue
    if (st) rmSync(host, { force: true })
    mkdirSync(host, 0o755)
    lchownSync(host, 0, 0)
  }
  return host
}

/** Copies one entry to `to` (a host path whose parent is a real directory), replacing what was there. */
function copyEntry(from: string, to: string, o: CopyOptions): void {
  const st = lstatOrNull(from) as Stats
  const there = lstatOrNull(to)
  if (there && !(there.isDirectory() && st.isDirectory())) rmSync(to, { recursive: true, force: true })
  if (st.isDirectory()) {
    if (!there?.isDirectory()) mkdirSync(to, 0o700)
    for (const n of readdirSync(from)) copyEntry(join(from, n), join(to, n), o)
  } else if (st.isFile()) copyFileSync(from, to)
  else if (st.isSymbolicLink()) symlinkSync(readlinkSync(from), to)
  else throw invalidArgument(`cannot copy ${posix.basename(from)}: not a file, directory or symlink`)
  const owner = o.owner === 'keep' ? { uid: st.uid, gid: st.gid } : (o.owner ?? { uid: 0, gid: 0 })
  lchownSync(to, owner.uid, owner.gid)
  if (!st.isSymbolicLink()) chmodSync(to, o.chmod ?? st.mode & 0o7777)
  lutimesSync(to, st.atime, st.mtime)
}
