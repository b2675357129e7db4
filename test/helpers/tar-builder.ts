/**
 * Builds tar archives byte by byte, for tests that need exact and hostile archives: ustar or
 * GNU headers with correct (or deliberately wrong) checksums, PAX and GNU long-name records,
 * bodies with padding, the end-of-archive marker, and any bytes after it.
 */
export interface HeaderSpec {
  name: string
  type?: string
  mode?: number
  uid?: number
  gid?: number
  size?: number
  mtime?: number
  linkname?: string
  devmajor?: number
  devminor?: number
  gnu?: boolean
  prefix?: string
  badChecksum?: boolean
  /** Encode uid in base-256 (GNU), for values octal cannot hold. */
  base256Uid?: boolean
}

export function header(h: HeaderSpec): Buffer {
  const b = Buffer.alloc(512)
  b.write(h.name, 0, 100, 'utf8')
  octal(b, 100, 8, h.mode ?? (h.type === '5' ? 0o755 : 0o644))
  if (h.base256Uid) {
    b[108] = 0x80
    b.writeUIntBE(h.uid ?? 0, 108 + 2, 6)
  } else octal(b, 108, 8, h.uid ?? 0)
  octal(b, 116, 8, h.gid ?? 0)
  octal(b, 124, 12, h.size ?? 0)
  octal(b, 136, 12, h.mtime ?? 1_700_000_000)
  b.write(h.type ?? '0', 156, 1, 'latin1')
  b.write(h.linkname ?? '', 157, 100, 'utf8')
  b.write(h.gnu ? 'ustar  \0' : 'ustar\x0000', 257, 8, 'latin1')
  b.write('root', 265, 32)
  b.write('root', 297, 32)
  octal(b, 329, 8, h.devmajor ?? 0)
  octal(b, 337, 8, h.devminor ?? 0)
  if (h.prefix) b.write(h.prefix, 345, 155, 'utf8')
  b.write('        ', 148, 8, 'latin1')
  let sum = 0
  for (const x of b) sum += x
  if (h.badChecksum) sum += 1
  b.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'latin1')
  return b
}

function octal(b: Buffer, off: number, len: number, v: number): void {
  b.write(`${v.toString(8).padStart(len - 1, '0')}\0`, off, len, 'latin1')
}

export const padTo512 = (body: Buffer): Buffer => Buffer.concat([body, Buffer.alloc((512 - (body.length % 512)) % 512)])

export function paxRecords(records: Record<string, string | Buffer>): Buffer {
  const parts: Buffer[] = []
  for (const [k, v] of Object.entries(records)) {
    const value = Buffer.from(v)
    const rest = Buffer.concat([Buffer.from(` ${k}=`), value, Buffer.from('\n')])
    let len = rest.length + 1
    while (String(len).length + rest.length !== len) len = String(len).length + rest.length
    parts.push(Buffer.concat([Buffer.from(String(len)), rest]))
  }
  return Buffer.concat(parts)
}

export type Item =
  | {
      file: string
      body?: string | Buffer
      mode?: number
      uid?: number
      gid?: number
      mtime?: number
      pax?: Record<string, string | Buffer>
    }
  | { dir: string; mode?: number; uid?: number; mtime?: number; pax?: Record<string, string | Buffer> }
  | { symlink: string; to: string }
  | { link: string; to: string }
  | { fifo: string }
  | { char: string; major: number; minor: number }
  | { raw: Buffer }

/** An archive of items, ended by two zero blocks (unless `end: false`), then `trailer` bytes. */
export function tar(items: Item[], opts: { end?: boolean; trailer?: Buffer } = {}): Buffer {
  const out: Buffer[] = []
  for (const it of items) out.push(...encode(it))
  if (opts.end !== false) out.push(Buffer.alloc(1024))
  if (opts.trailer) out.push(opts.trailer)
  return Buffer.concat(out)
}

function encode(it: Item): Buffer[] {
  if ('raw' in it) return [it.raw]
  const pax = 'pax' in it && it.pax ? paxHeader(it.pax) : []
  if ('file' in it) {
    const body = Buffer.from(it.body ?? '')
    return [
      ...pax,
      header({ name: it.file, size: body.length, mode: it.mode, uid: it.uid, gid: it.gid, mtime: it.mtime }),
      padTo512(body),
    ]
  }
  if ('dir' in it) return [...pax, header({ name: it.dir, type: '5', mode: it.mode, uid: it.uid, mtime: it.mtime })]
  if ('symlink' in it) return [header({ name: it.symlink, type: '2', linkname: it.to, mode: 0o777 })]
  if ('link' in it) return [header({ name: it.link, type: '1', linkname: it.to })]
  if ('fifo' in it) return [header({ name: it.fifo, type: '6' })]
  return [header({ name: it.char, type: '3', devmajor: it.major, devminor: it.minor })]
}

function paxHeader(records: Record<string, string | Buffer>): Buffer[] {
  const body = paxRecords(records)
  return [header({ name: 'PaxHeaders/x', type: 'x', size: body.length }), padTo512(body)]
}

/** Yields the archive in small pieces, as a network stream would. */
export async function* chunks(b: Buffer, size = 1000): AsyncGenerator<Buffer> {
  for (let off = 0; off < b.length; off += size) yield b.subarray(off, off + size)
}
