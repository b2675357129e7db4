/**
 * Writes tar headers in one fixed format, so the same entries always give the same bytes:
 * ustar headers, and a PAX record before one only when ustar cannot hold a field (a name or
 * link target over 100 bytes, a size, id or time out of octal range, xattrs). Used for `save`
 * archives and for the tars of layers strata makes itself. Times are whole seconds.
 * Names are bytes: a name's string may carry escaped bytes that are not UTF-8 (overlay/names.ts),
 * and the header and PAX records hold the name's own bytes (encodeName), without `hdrcharset`, as
 * GNU tar writes them (docs/decisions.md, "Tar names are bytes").
 *
 *   out.push(...entryHeader({ name: 'etc/motd', type: 'file', size: 6, mode: 0o644, mtime: 0 }))
 *   out.push(body, padding(6))  … then END
 *
 * Tests: test/unit/tar/tar-names.test.ts
 */
import { encodeName } from '../overlay/names.js'
import { BLOCK } from './tar-header.js'

export interface HeaderFields {
  name: string
  type: 'file' | 'link' | 'symlink' | 'char' | 'block' | 'dir' | 'fifo'
  mode: number
  mtime: number
  size?: number
  uid?: number
  gid?: number
  linkname?: string
  devmajor?: number
  devminor?: number
  xattrs?: ReadonlyMap<string, Buffer>
}

const FLAG: Record<HeaderFields['type'], string> = {
  file: '0',
  link: '1',
  symlink: '2',
  char: '3',
  block: '4',
  dir: '5',
  fifo: '6',
}

/** Two zero blocks: the end of an archive. */
export const END = Buffer.alloc(2 * BLOCK)

export const padding = (size: number): Buffer => Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK)

/** The header block(s) of one entry: a PAX record first when ustar is not enough. */
export function entryHeader(h: HeaderFields): Buffer[] {
  const pax = paxFor(h)
  const main = block({
    name: truncate(h.name),
    flag: FLAG[h.type],
    mode: h.mode & 0o7777,
    uid: pax.has('uid') ? 0 : (h.uid ?? 0),
    gid: pax.has('gid') ? 0 : (h.gid ?? 0),
    size: pax.has('size') ? 0 : (h.size ?? 0),
    mtime: pax.has('mtime') ? 0 : h.mtime,
    linkname: truncate(h.linkname ?? ''),
    devmajor: h.devmajor ?? 0,
    devminor: h.devminor ?? 0,
  })
  if (!pax.size) return [main]
  const body = encodePax(pax)
  const paxName = truncate(`PaxHeaders/${h.name.replace(/\/$/, '').split('/').pop() ?? ''}`)
  const head = block({
    name: paxName,
    flag: 'x',
    mode: 0o644,
    uid: 0,
    gid: 0,
    size: body.length,
    mtime: 0,
    linkname: Buffer.alloc(0),
    devmajor: 0,
    devminor: 0,
  })
  return [head, body, padding(body.length), main]
}

const MAX_OCTAL_8 = 0o7777777
const MAX_OCTAL_12 = 0o77777777777

function paxFor(h: HeaderFields): Map<string, Buffer> {
  const pax = new Map<string, Buffer>()
  const text = (k: string, v: string) => pax.set(k, Buffer.from(v, 'utf8'))
  const name = encodeName(h.name)
  const link = encodeName(h.linkname ?? '')
  if (name.length > 100) pax.set('path', name)
  if (link.length > 100) pax.set('linkpath', link)
  if ((h.size ?? 0) > MAX_OCTAL_12) text('size', String(h.size))
  if ((h.uid ?? 0) > MAX_OCTAL_8) text('uid', String(h.uid))
  if ((h.gid ?? 0) > MAX_OCTAL_8) text('gid', String(h.gid))
  if (h.mtime < 0 || h.mtime > MAX_OCTAL_12) text('mtime', String(h.mtime))
  for (const [k, v] of [...(h.xattrs ?? [])].sort(([a], [b]) => (a < b ? -1 : 1))) pax.set(`SCHILY.xattr.${k}`, v)
  return pax
}

/** "<len> key=value\n" where len counts the whole record, itself included. */
function encodePax(records: Map<string, Buffer>): Buffer {
  const parts: Buffer[] = []
  for (const [k, v] of records) {
    const rest = Buffer.byteLength(` ${k}=`) + v.length + 1
    let len = rest + String(rest).length
    if (String(len).length !== String(rest).length) len = rest + String(len).length
    parts.push(Buffer.from(`${len} ${k}=`, 'utf8'), v, Buffer.from('\n'))
  }
  return Buffer.concat(parts)
}

/**
 * A name's bytes cut to the 100 of a ustar field (its PAX record holds the whole name), not in the
 * middle of a UTF-8 sequence: the cut backs off over continuation bytes.
 */
function truncate(s: string): Buffer {
  const b = encodeName(s)
  if (b.length <= 100) return b
  let cut = 100
  while (cut > 0 && ((b[cut] as number) & 0xc0) === 0x80) cut--
  return b.subarray(0, cut)
}

interface Block {
  name: Buffer
  flag: string
  mode: number
  uid: number
  gid: number
  size: number
  mtime: number
  linkname: Buffer
  devmajor: number
  devminor: number
}

function block(f: Block): Buffer {
  const b = Buffer.alloc(BLOCK)
  f.name.copy(b, 0)
  octal(b, 100, 8, f.mode)
  octal(b, 108, 8, f.uid)
  octal(b, 116, 8, f.gid)
  octal(b, 124, 12, f.size)
  octal(b, 136, 12, f.mtime)
  b.write(f.flag, 156, 1, 'latin1')
  f.linkname.copy(b, 157)
  b.write('ustar\x0000', 257, 8, 'latin1')
  octal(b, 329, 8, f.devmajor)
  octal(b, 337, 8, f.devminor)
  b.fill(0x20, 148, 156)
  let sum = 0
  for (const x of b) sum += x
  b.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1')
  return b
}

function octal(b: Buffer, off: number, len: number, v: number): void {
  b.write(`${v.toString(8).padStart(len - 1, '0')}\0`, off, len, 'latin1')
}
