/**
 * Sparse files in the tars strata writes (a commit's layer, a container's export): a regular file
 * with holes leaves as a GNU sparse entry of PAX format 1.0, as `tar --sparse --format=posix`
 * writes it and tar-reader.ts reads it back: PAX records GNU.sparse.{major,minor,name,realsize},
 * then a ustar header named `GNUSparseFile.0/<name>` whose body is the map ("count\n", then
 * "offset\nlength\n" per data segment, padded to a block) followed by the data segments. A file
 * that ends in a hole gets a last empty segment at its size, which GNU tar needs to extend it.
 * Holes are where SEEK_HOLE finds them, so a tree gives the same bytes as long as its holes stay
 * where they are; a file without holes is a plain entry. Only a file with fewer blocks than its
 * size can have holes, so no other file costs a syscall here.
 * Built beside tar-writer.ts (whose format it reuses for the ustar part) while daemon/tar/ is
 * being changed for other reasons; it belongs there as a `sparse` field of HeaderFields.
 * Tests: test/integration/upper-tar.test.ts, test/integration/sparse-files.test.ts
 */
import { closeSync, constants as fsc, type BigIntStats } from 'node:fs'
import { basename, dirname } from 'node:path'
import { dataSegments } from '../../native-bindings/index.js'
import { open } from '../overlay/backing-fs.js'
import { encodeName } from '../overlay/names.js'
import { BLOCK } from '../tar/tar-header.js'
import { readChunks } from '../tar/read-chunks.js'
import type { SparseMap } from '../tar/tar-sparse.js'
import { entryHeader, padding, type HeaderFields } from '../tar/tar-writer.js'

/** tar-sparse.ts refuses maps of more segments; the last empty one counts too. */
const MAX_SEGMENTS = 1_000_000 - 1

/** How a file with holes is stored in a tar entry. */
export interface SparseBody {
  map: SparseMap
  /** The map as the body starts with it, padded to a block. */
  mapBlocks: Buffer
  /** The data segments' bytes, which follow the map in the body. */
  dataBytes: number
}

/** The file's data segments as a sparse body, or undefined when it has no holes (read as a plain file). */
export function sparseBodyOf(path: string, st: BigIntStats): SparseBody | undefined {
  if (!st.isFile() || st.blocks * 512n >= st.size) return undefined
  const size = Number(st.size)
  const fd = open(path, fsc.O_RDONLY | fsc.O_NOFOLLOW)
  let map: Array<[number, number]>
  try {
    map = dataSegments(fd, size, MAX_SEGMENTS)
  } finally {
    closeSync(fd)
  }
  const dataBytes = map.reduce((n, [, length]) => n + length, 0)
  if (dataBytes === size) return undefined
  const last = map.at(-1)
  if (!last || last[0] + last[1] < size) map.push([size, 0])
  return { map: { realSize: size, map }, mapBlocks: mapText(map), dataBytes }
}

function mapText(map: Array<[number, number]>): Buffer {
  const text = Buffer.from(`${map.length}\n${map.map(([o, l]) => `${o}\n${l}\n`).join('')}`, 'latin1')
  return Buffer.concat([text, padding(text.length)])
}

/**
 * The header blocks of a sparse entry for `f` (a file's fields, `size` its real size): a PAX
 * record with the sparse keys (and whatever else the entry needs: a long path, big ids, xattrs),
 * then the ustar header, whose size is the stored body's.
 */
export function sparseHeader(f: HeaderFields, body: SparseBody): Buffer[] {
  const dir = dirname(f.name)
  const stored = body.mapBlocks.length + body.dataBytes
  const parts = entryHeader({
    ...f,
    name: `${dir === '.' ? '' : `${dir}/`}GNUSparseFile.0/${basename(f.name)}`,
    size: stored,
  })
  const main = parts.at(-1) as Buffer
  const records = Buffer.concat([
    paxRecord('GNU.sparse.major', '1'),
    paxRecord('GNU.sparse.minor', '0'),
    paxRecord('GNU.sparse.name', f.name),
    paxRecord('GNU.sparse.realsize', String(body.map.realSize)),
    parts.length > 1 ? (parts[1] as Buffer) : Buffer.alloc(0), // the records entryHeader needed
  ])
  return [paxHeader(records.length), records, padding(records.length), main]
}

/** The body of a sparse entry after its map: the data segments in order, then the padding. */
export function* sparseData(path: string, body: SparseBody): Generator<Buffer> {
  const fd = open(path, fsc.O_RDONLY | fsc.O_NOFOLLOW)
  try {
    for (const [offset, length] of body.map.map) yield* readChunks(fd, offset, length, path)
  } finally {
    closeSync(fd)
  }
  yield padding(body.dataBytes)
}

/** "<len> key=value\n", len counting the whole record, itself included. */
function paxRecord(key: string, value: string): Buffer {
  const bytes = encodeName(value) // a name's own bytes (overlay/names.ts); other values are ASCII
  const rest = Buffer.byteLength(` ${key}=\n`) + bytes.length
  let len = rest + String(rest).length
  if (String(len).length !== String(rest).length) len = rest + String(len).length
  return Buffer.concat([Buffer.from(`${len} ${key}=`, 'utf8'), bytes, Buffer.from('\n')])
}

/** A PAX extended header block ('x') for `size` bytes of records: a ustar block retyped. */
function paxHeader(size: number): Buffer {
  const [b] = entryHeader({ name: 'PaxHeaders/GNUSparseFile.0', type: 'file', mode: 0o644, mtime: 0, size })
  const block = b as Buffer
  if (block.length !== BLOCK) throw new TypeError('a PAX record too large for a ustar size field')
  block.write('x', 156, 1, 'latin1')
  block.fill(0x20, 148, 156) // the checksum counts its own field as spaces
  let sum = 0
  for (const x of block) sum += x
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1')
  return block
}
