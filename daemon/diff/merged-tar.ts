/**
 * A container's filesystem as one tar (`docker export`): the merged view of its upper layer over
 * its image's layers, walked through the union engine (overlay/), so whiteouts and opaque
 * directories are applied, not exported. Same fixed format and order as upper-tar.ts; names
 * of one inode after the first are hard links.
 */
import { Overlay } from '../overlay/overlay.js'
import { END, entryHeader } from '../tar/tar-writer.js'
import { splitDev } from '../../native-bindings/index.js'
import { fileEntry } from './upper-tar.js'

export async function* mergedTar(upper: string, lowers: string[]): AsyncGenerator<Buffer> {
  const ov = new Overlay({ lowers: [upper, ...lowers] })
  const links = new Map<string, string>()
  const stack = children(ov, '').reverse()
  while (stack.length) {
    const rel = stack.pop() as string
    const st = ov.lookup(rel).stat
    const xattrs = new Map(ov.listxattr(rel).map((n) => [n, ov.getxattr(rel, n)] as const))
    const base = {
      mode: Number(st.mode) & 0o7777,
      uid: Number(st.uid),
      gid: Number(st.gid),
      mtime: Number(st.mtimeMs / 1000n),
      xattrs,
    }
    if (st.isDirectory()) {
      yield* entryHeader({ ...base, name: `${rel}/`, type: 'dir' })
      stack.push(...children(ov, rel).reverse())
      continue
    }
    const key = `${st.dev}:${st.ino}`
    const first = st.nlink > 1n ? links.get(key) : undefined
    if (first !== undefined) {
      yield* entryHeader({ ...base, name: rel, type: 'link', linkname: first })
      continue
    }
    if (st.nlink > 1n) links.set(key, rel)
    if (st.isSymbolicLink()) yield* entryHeader({ ...base, name: rel, type: 'symlink', linkname: ov.readlink(rel) })
    else if (st.isFile())
      yield* fileEntry(ov.openForRead(rel), { ...base, name: rel, type: 'file', size: Number(st.size) })
    else {
      const [devmajor, devminor] = splitDev(st.rdev)
      const type = st.isCharacterDevice() ? 'char' : st.isBlockDevice() ? 'block' : 'fifo'
      yield* entryHeader({ ...base, name: rel, type, devmajor, devminor })
    }
  }
  yield END
}

function children(ov: Overlay, rel: string): string[] {
  return ov
    .readdir(rel)
    .map((e) => e.name)
    .filter((n) => n !== '.' && n !== '..')
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
    .map((n) => (rel ? `${rel}/${n}` : n))
}
