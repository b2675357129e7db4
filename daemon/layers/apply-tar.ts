/**
 * Applies a layer tar (a changeset) into an empty staging directory, in overlayfs's on-disk
 * format: `.wh.NAME` becomes a 0/0 character device, `.wh..wh..opq` marks its directory opaque.
 * Owns: entry creation with mode, owner, ns mtime and xattrs; implicit parents (0755, root);
 *   directory metadata applied after every entry (a directory's entries need not be contiguous);
 *   later entries replacing earlier ones, as Docker's applier does; the tar-split record.
 * Names are bytes and paths may be deep: every call on a path of the layer goes through
 *   overlay/backing-fs.ts, so a name that is not UTF-8 (escaped, overlay/names.ts) is made with its
 *   own bytes, and a path past PATH_MAX once under the staging dir is still made.
 * Never: writes outside the staging dir: names are normalized (tar-path.ts), and every parent is
 *   checked to be a real directory made by this tar, so a symlink in the tar is never followed.
 * Errors: TarError for a hostile or broken tar, also for an entry the data root's filesystem cannot
 *   hold (a path too long once under the staging dir, a sparse file past its largest size); the
 *   caller removes the staging dir.
 * Tests: test/unit/layers/apply-tar.test.ts
 */
import { closeSync, constants as fsc, ftruncateSync, writeSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { constants } from '../../native-bindings/index.js'
import {
  chmod,
  lchown,
  link,
  lsetxattr,
  lstatOrNull,
  mkdir,
  mknod,
  open,
  readFile,
  removeTree,
  symlink,
  utimens,
} from '../overlay/backing-fs.js'
import { opaqueXattr, setOpaque } from '../overlay/opaque.js'
import { isWhiteoutStat, makeWhiteout } from '../overlay/whiteout.js'
import { TarError } from '../tar/tar-header.js'
import { normalizeName, shown } from '../tar/tar-path.js'
import { readTar, type TarEntry, type TarLimits, type TarSummary } from '../tar/tar-reader.js'
import type { FileSegment, SplitRecorder } from '../tar/tar-split.js'
import { readSegments, type SparseMap } from '../tar/tar-sparse.js'
import { readAll } from '../tar/byte-reader.js'

const WHITEOUT_PREFIX = '.wh.'
const OPAQUE_MARKER = '.wh..wh..opq'

export async function applyTar(
  staging: string,
  source: AsyncIterable<Uint8Array>,
  limits: TarLimits,
  split: SplitRecorder,
): Promise<TarSummary> {
  const a = new Applier(staging, split)
  const summary = await readTar(source, (e, body) => a.entry(e, body), limits, split)
  a.finish()
  return summary
}

class Applier {
  /** Directory metadata, applied at the end, deepest first. */
  private readonly dirs = new Map<string, TarEntry>()
  private readonly opaque = new Set<string>()
  /** Paths known to be real directories of this layer (made or checked here), to spare lstats. */
  private readonly knownDirs = new Set<string>()
  private readonly owner = { uid: process.getuid?.() ?? -1, gid: process.getgid?.() ?? -1 }

  constructor(
    private readonly root: string,
    private readonly split: SplitRecorder,
  ) {}

  /** Returns the body's bytes when the layer does not keep them (see EntryVisitor). */
  async entry(e: TarEntry, body: AsyncIterable<Buffer>): Promise<Buffer | undefined> {
    try {
      return await this.place(e, body)
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (code !== 'ENAMETOOLONG' && code !== 'EFBIG') throw err
      const what = code === 'EFBIG' ? `a file of ${e.size} bytes` : 'a path that long'
      throw new TarError(`${shown(e.path)}: the data root's filesystem cannot hold ${what} (${code})`, { cause: err })
    }
  }

  private async place(e: TarEntry, body: AsyncIterable<Buffer>): Promise<Buffer | undefined> {
    if (e.path === '') {
      if (e.type !== 'dir') throw new TarError('the archive root is not a directory')
      this.dirs.set('', e)
      return undefined
    }
    const parent = dirname(e.path) === '.' ? '' : dirname(e.path)
    const base = e.path.slice(parent ? parent.length + 1 : 0)
    this.makeParents(parent)
    if (base.startsWith(WHITEOUT_PREFIX)) return this.whiteout(e, parent, base, body)
    const whitedOut = this.clear(e.path, e.type === 'dir')
    const path = join(this.root, e.path)
    if (e.type === 'dir') {
      if (!this.isDir(e.path)) mkdir(path, { mode: 0o755 })
      this.knownDirs.add(e.path)
      if (whitedOut) this.opaque.add(e.path) // a directory replacing a deleted one hides what was below
      this.dirs.set(e.path, e)
      return undefined
    }
    await this.create(e, path, body)
    if (e.type !== 'link') this.setMetadata(path, e)
    return undefined
  }

  finish(): void {
    const byDepth = [...this.dirs.entries()].sort((x, y) => depth(y[0]) - depth(x[0]))
    for (const [rel, e] of byDepth) this.setMetadata(join(this.root, rel), e)
    for (const rel of this.opaque) setOpaque(join(this.root, rel), 'trusted')
  }

  private async create(e: TarEntry, path: string, body: AsyncIterable<Buffer>): Promise<void> {
    switch (e.type) {
      case 'file':
        return writeBody(path, body, e.sparse)
      case 'symlink':
        return symlink(e.linkname, path)
      case 'link':
        return this.hardlink(e, path)
      case 'char':
      case 'block':
        if (e.type === 'char' && e.devmajor === 0 && e.devminor === 0)
          throw new TarError(`${e.path}: a 0/0 character device means a whiteout in overlay format`)
        return mknod(path, (e.type === 'char' ? constants.S_IFCHR : constants.S_IFBLK) | 0o600, e.devmajor, e.devminor)
      case 'fifo':
        return mknod(path, constants.S_IFIFO | 0o600, 0, 0)
      default:
        throw new TarError(`${e.path}: unsupported entry type ${e.type}`)
    }
  }

  private hardlink(e: TarEntry, path: string): void {
    const target = normalizeName(e.linkname, `hard link target of ${e.path}`)
    if (!target) throw new TarError(`${e.path}: hard link to the archive root`)
    const parent = dirname(target) === '.' ? '' : dirname(target)
    if (!this.isRealDirChain(parent))
      throw new TarError(`${e.path}: hard link target ${target} is outside the layer or missing`)
    const st = lstatOrNull(join(this.root, target))
    if (!st) throw new TarError(`${e.path}: hard link to missing target ${target}`)
    if (st.isDirectory()) throw new TarError(`${e.path}: hard link to a directory (${target})`)
    if (isWhiteoutStat(st)) throw new TarError(`${e.path}: hard link to a whiteout (${target})`)
    link(join(this.root, target), path)
  }

  /** A whiteout marker: its body (normally empty) is not kept in the layer, so it is returned. */
  private async whiteout(
    e: TarEntry,
    parent: string,
    base: string,
    body: AsyncIterable<Buffer>,
  ): Promise<Buffer | undefined> {
    const bytes = e.type === 'file' && e.size > 0 ? await readAll(body) : undefined
    if (base === OPAQUE_MARKER) {
      this.opaque.add(parent)
      return bytes
    }
    if (base.startsWith(`${WHITEOUT_PREFIX}${WHITEOUT_PREFIX}`)) return bytes // other aufs metadata: ignored, as Docker does
    const name = base.slice(WHITEOUT_PREFIX.length)
    if (name === '' || name === '.' || name === '..') throw new TarError(`${e.path}: a whiteout must name an entry`)
    const rel = parent ? `${parent}/${name}` : name
    this.clear(rel, false)
    makeWhiteout(join(this.root, rel))
    return bytes
  }

  /**
   * Makes room for a new entry at `rel`: an earlier entry there is removed (its bytes move into the
   * tar-split first), except a directory that a directory replaces. Says whether it was a whiteout.
   */
  private clear(rel: string, keepDir: boolean): boolean {
    const path = join(this.root, rel)
    const st = lstatOrNull(path)
    if (!st) return false
    if (st.isDirectory()) {
      if (keepDir) return false
      this.knownDirs.delete(rel)
      for (const d of this.knownDirs) if (d.startsWith(`${rel}/`)) this.knownDirs.delete(d)
      this.inlineTree(rel)
      this.dirs.delete(rel)
      for (const d of [...this.dirs.keys()]) if (d.startsWith(`${rel}/`)) this.dirs.delete(d)
    } else if (st.isFile()) this.split.inline(rel, (seg) => this.storedBody(seg))
    removeTree(path)
    return isWhiteoutStat(st)
  }

  private inlineTree(rel: string): void {
    for (const seg of this.split.segments) {
      if ('file' in seg && seg.file.startsWith(`${rel}/`)) this.split.inline(seg.file, (s) => this.storedBody(s))
    }
  }

  /** The bytes a file's tar body held: the whole file, or its mapped segments when sparse. */
  private storedBody(seg: FileSegment): Buffer {
    const path = join(this.root, seg.file)
    if (!seg.sparse) return readFile(path)
    const fd = open(path, fsc.O_RDONLY | fsc.O_NOFOLLOW)
    try {
      return readSegments(fd, path, seg.sparse)
    } finally {
      closeSync(fd)
    }
  }

  /** Parents the tar did not list are made 0755 root:root; an existing one must be a real directory. */
  private makeParents(rel: string): void {
    if (!rel) return
    let cur = ''
    for (const part of rel.split('/')) {
      cur = cur ? `${cur}/${part}` : part
      if (this.knownDirs.has(cur)) continue
      const st = lstatOrNull(join(this.root, cur))
      if (!st) mkdir(join(this.root, cur), { mode: 0o755 })
      else if (!st.isDirectory())
        throw new TarError(`${rel}: goes through ${cur}, which is not a directory in this layer`)
      this.knownDirs.add(cur)
    }
  }

  private isRealDirChain(rel: string): boolean {
    let cur = ''
    for (const part of rel ? rel.split('/') : []) {
      cur = cur ? `${cur}/${part}` : part
      if (!lstatOrNull(join(this.root, cur))?.isDirectory()) return false
    }
    return true
  }

  private isDir(rel: string): boolean {
    return lstatOrNull(join(this.root, rel))?.isDirectory() === true
  }

  private setMetadata(path: string, e: TarEntry): void {
    // A new entry is already ours: only another owner needs the call.
    if (e.uid !== this.owner.uid || e.gid !== this.owner.gid || this.dirs.has(e.path)) lchown(path, e.uid, e.gid)
    if (e.type !== 'symlink') chmod(path, e.mode)
    for (const [name, value] of e.xattrs) setXattr(path, storedXattrName(name, e.path), value, e.path)
    utimens(path, e.mtimeNs, e.mtimeNs)
  }
}

/** An xattr the filesystem has no room for (ext4 keeps a value in one block) is the tar's, not ours. */
function setXattr(path: string, name: string, value: Buffer, entry: string): void {
  try {
    lsetxattr(path, name, value)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code !== 'ENOSPC' && code !== 'E2BIG' && code !== 'ERANGE') throw err
    const what = `xattr ${name} of ${value.length} bytes`
    throw new TarError(`${shown(entry)}: the data root's filesystem cannot hold its ${what} (${code})`, { cause: err })
  }
}

/** trusted.overlay.* from a tar is data, not overlay metadata: stored escaped, as Linux 6.7+ does. */
export function storedXattrName(name: string, path: string): string {
  if (!/^(user|trusted|security)\./.test(name)) throw new TarError(`${path}: unsupported xattr namespace in ${name}`)
  const overlay = opaqueXattr('trusted').replace(/opaque$/, '')
  return name.startsWith(overlay) ? `${overlay}overlay.${name.slice(overlay.length)}` : name
}

/**
 * Writes the body; a sparse file's segments go to their offsets and the rest stays a hole. The
 * writes are synchronous: a layer is tens of thousands of small files, and a thread-pool round
 * trip per open, write and close cost more than the writes themselves (bench/images.ts).
 */
async function writeBody(path: string, body: AsyncIterable<Buffer>, sparse?: SparseMap): Promise<void> {
  const fd = open(path, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL, 0o600)
  const places = sparse ? placesOf(sparse) : undefined
  try {
    let pos = 0
    for await (const chunk of body) {
      for (let off = 0; off < chunk.length;) {
        const at = places ? places(pos) : { position: pos, room: chunk.length - off }
        const written = writeSync(fd, chunk, off, Math.min(chunk.length - off, at.room), at.position)
        off += written
        pos += written
      }
    }
    if (sparse) ftruncateSync(fd, sparse.realSize)
  } finally {
    closeSync(fd)
  }
}

/** For the n-th data byte of a sparse body: where it goes in the file and how many follow it there. */
function placesOf(s: SparseMap): (n: number) => { position: number; room: number } {
  let seg = 0
  let start = 0 // data bytes before segment `seg`
  return (n) => {
    while (seg < s.map.length && n >= start + (s.map[seg] as [number, number])[1]) {
      start += (s.map[seg] as [number, number])[1]
      seg++
    }
    const [offset, length] = s.map[seg] as [number, number]
    return { position: offset + (n - start), room: length - (n - start) }
  }
}

const depth = (rel: string): number => (rel ? rel.split('/').length : 0)
