/**
 * A container's filesystem as one tar (`docker export`): the merged view of its upper layer over
 * its image's layers, walked through the union engine (overlay/), so whiteouts and opaque
 * directories are applied, not exported. Same fixed format and order as upper-tar.ts; names
 * of one inode after the first are hard links; sockets are left out (stat-header.ts); a file with
 * holes is a sparse entry (sparse-entry.ts), not its size in zeros. Names of any bytes and deep
 * paths come through the engine (backing-fs.ts) and the bodies through upper-tar.ts's fileEntry.
 * Tests: test/integration/upper-tar.test.ts, test/integration/containers.test.ts
 */
import { encodeName } from '../overlay/names.js'
import { Overlay } from '../overlay/overlay.js'
import { END, entryHeader } from '../tar/tar-writer.js'
import { HardLinks, statFields } from './stat-header.js'
import { fileEntry } from './upper-tar.js'

export async function* mergedTar(upper: string, lowers: string[]): AsyncGenerator<Buffer> {
  const ov = new Overlay({ lowers: [upper, ...lowers] })
  const links = new HardLinks()
  const stack = children(ov, '').reverse()
  while (stack.length) {
    const rel = stack.pop() as string
    const read = {
      xattrs: () => new Map(ov.listxattr(rel).map((n) => [n, ov.getxattr(rel, n)] as const)),
      readlink: () => ov.readlink(rel),
    }
    const st = ov.lookup(rel).stat
    const fields = statFields(st, rel, read, links)
    if (fields?.type === 'file') yield* fileEntry(ov.openForRead(rel), { ...fields, size: fields.size ?? 0 }, st)
    else if (fields) yield* entryHeader(fields)
    if (fields?.type === 'dir') stack.push(...children(ov, rel).reverse())
  }
  yield END
}

function children(ov: Overlay, rel: string): string[] {
  return ov
    .readdir(rel)
    .map((e) => e.name)
    .filter((n) => n !== '.' && n !== '..')
    .sort((a, b) => Buffer.compare(encodeName(a), encodeName(b)))
    .map((n) => (rel ? `${rel}/${n}` : n))
}
