/**
 * One 512-byte tar header block: ustar, GNU and PAX-era headers, numbers in octal or base-256,
 * the checksum verified. Extension records (PAX `x`/`g`, GNU `L`/`K`) are parsed here too; how
 * they combine with the next header is tar-reader.ts's business.
 * Names are bytes: the name and link fields are decoded as overlay/names.ts decodes a file name,
 * so a byte that is not UTF-8 is kept (escaped), not made U+FFFD.
 * Errors: TarError (becomes INVALID_ARGUMENT at the API), naming the field that is wrong.
 * Tests: test/unit/tar/tar-names.test.ts, test/integration/hostile-tar.test.ts
 */
import { decodeName } from '../overlay/names.js'

export const BLOCK = 512

export class TarError extends Error {
  override name = 'TarError'
}

export type EntryType =
  | 'file'
  | 'link'
  | 'symlink'
  | 'char'
  | 'block'
  | 'dir'
  | 'fifo'
  | 'pax'
  | 'paxGlobal'
  | 'longName'
  | 'longLink'
  | 'sparse'

const TYPES: Record<string, EntryType> = {
  '0': 'file',
  '\0': 'file',
  '7': 'file',
  '1': 'link',
  '2': 'symlink',
  '3': 'char',
  '4': 'block',
  '5': 'dir',
  '6': 'fifo',
  x: 'pax',
  g: 'paxGlobal',
  L: 'longName',
  K: 'longLink',
  S: 'sparse',
}

export interface RawHeader {
  name: string
  mode: number
  uid: number
  gid: number
  size: number
  mtime: number
  type: EntryType
  linkname: string
  uname: string
  gname: string
  devmajor: number
  devminor: number
  gnuSparse?: GnuSparse
}

/** Old GNU sparse files ('S'): the data's places in the file, as the header (and its extension blocks) list them. */
export interface GnuSparse {
  map: Array<[offset: number, length: number]>
  /** More map entries follow in extension blocks. */
  extended: boolean
  realSize: number
}

export const isZeroBlock = (b: Buffer): boolean => b.every((x) => x === 0)

export function parseHeader(b: Buffer): RawHeader {
  if (b.length !== BLOCK) throw new TypeError('a tar header is 512 bytes')
  verifyChecksum(b)
  const flag = String.fromCharCode(b[156] as number)
  const type = TYPES[flag]
  if (!type) throw new TarError(`unsupported tar entry type '${flag}'`)
  const magic = b.toString('latin1', 257, 263)
  const isUstar = magic === 'ustar\0'
  const prefix = isUstar ? nameField(b, 345, 155) : ''
  const name = nameField(b, 0, 100)
  return {
    name: prefix ? `${prefix}/${name}` : name,
    mode: num(b, 100, 8, 'mode'),
    uid: num(b, 108, 8, 'uid'),
    gid: num(b, 116, 8, 'gid'),
    size: num(b, 124, 12, 'size'),
    mtime: num(b, 136, 12, 'mtime'),
    type,
    linkname: nameField(b, 157, 100),
    uname: str(b, 265, 32),
    gname: str(b, 297, 32),
    devmajor: type === 'char' || type === 'block' ? num(b, 329, 8, 'devmajor') : 0,
    devminor: type === 'char' || type === 'block' ? num(b, 337, 8, 'devminor') : 0,
    ...(type === 'sparse'
      ? { gnuSparse: { map: sparseEntries(b, 386, 4), extended: b[482] !== 0, realSize: num(b, 483, 12, 'realsize') } }
      : {}),
  }
}

/** `count` (offset, numbytes) pairs of 12-byte numbers from `off`; an all-zero pair ends the list. */
export function sparseEntries(b: Buffer, off: number, count: number): Array<[number, number]> {
  const out: Array<[number, number]> = []
  for (let i = 0; i < count; i++) {
    const at = off + i * 24
    if (b[at] === 0) break
    out.push([num(b, at, 12, 'sparse offset'), num(b, at + 12, 12, 'sparse numbytes')])
  }
  return out
}

function verifyChecksum(b: Buffer): void {
  const stored = num(b, 148, 8, 'checksum')
  let unsigned = 0
  let signed = 0
  for (let i = 0; i < BLOCK; i++) {
    const v = i >= 148 && i < 156 ? 0x20 : (b[i] as number)
    unsigned += v
    signed += v > 127 ? v - 256 : v
  }
  if (stored !== unsigned && stored !== signed)
    throw new TarError('tar header checksum mismatch (not a tar, or corrupted)')
}

/** A NUL-terminated field's bytes. */
function field(b: Buffer, off: number, len: number): Buffer {
  const f = b.subarray(off, off + len)
  const end = f.indexOf(0)
  return f.subarray(0, end < 0 ? len : end)
}

/** A NUL-terminated text field, as UTF-8 (user and group names). */
const str = (b: Buffer, off: number, len: number): string => field(b, off, len).toString('utf8')

/** A NUL-terminated name field: its bytes decoded as names are (names.ts). */
const nameField = (b: Buffer, off: number, len: number): string => decodeName(field(b, off, len))

/** Octal digits (space/NUL padded), or GNU base-256 when the high bit of the first byte is set. */
function num(b: Buffer, off: number, len: number, field: string): number {
  const first = b[off] as number
  if (first & 0x80) {
    if (first === 0xff) throw new TarError(`negative ${field} in tar header`)
    let v = first & 0x7f
    for (let i = 1; i < len; i++) v = v * 256 + (b[off + i] as number)
    if (!Number.isSafeInteger(v)) throw new TarError(`${field} in tar header is too large`)
    return v
  }
  const text = b
    .toString('latin1', off, off + len)
    .replace(/[\0 ]+$/, '')
    .replace(/^[ ]+/, '')
  if (text === '') return 0
  if (!/^[0-7]+$/.test(text)) throw new TarError(`bad ${field} "${text}" in tar header`)
  return parseInt(text, 8)
}

/**
 * PAX records: "<len> <key>=<value>\n", len counting the whole record. Values are UTF-8 except
 * xattr values, which are bytes (SCHILY.xattr.*), so they are kept as Buffers.
 */
export function parsePax(data: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>()
  let off = 0
  while (off < data.length) {
    const space = data.indexOf(0x20, off)
    if (space < 0) throw new TarError('malformed PAX record (no length)')
    const lenText = data.toString('latin1', off, space)
    const len = Number(lenText)
    if (!/^[0-9]+$/.test(lenText) || len <= space - off + 1 || off + len > data.length)
      throw new TarError(`malformed PAX record length "${lenText}"`)
    const record = data.subarray(space + 1, off + len)
    if (record[record.length - 1] !== 0x0a) throw new TarError('malformed PAX record (no newline)')
    const eq = record.indexOf(0x3d)
    if (eq <= 0) throw new TarError('malformed PAX record (no key)')
    out.set(record.toString('utf8', 0, eq), record.subarray(eq + 1, record.length - 1))
    off += len
  }
  return out
}
