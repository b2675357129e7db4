/**
 * The build context as a tar stream, made as it is read (never whole in memory): files,
 * directories and symlinks under the context directory, minus what `.dockerignore` leaves out,
 * owned by root as Docker's CLI sends them; ustar headers with a PAX record for a name or link
 * target over 100 bytes. Sockets, fifos and devices are skipped.
 * Tests: test/unit/client/cli/context-tar.test.ts, test/integration/image-build-context-memory.test.ts
 */
import { closeSync, lstatSync, openSync, readdirSync, readlinkSync, readSync, type Stats } from 'node:fs'
import { join } from 'node:path'
import { hasExceptions, isExcluded, type IgnorePattern } from './dockerignore.js'

const BLOCK = 512
const CHUNK = 256 * 1024

export async function* contextTar(dir: string, ignore: IgnorePattern[]): AsyncGenerator<Buffer> {
  const descend = hasExceptions(ignore)
  const walk = function* (rel: string): Generator<{ rel: string; st: Stats }> {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      const path = rel ? `${rel}/${name}` : name
      const st = lstatSync(join(dir, path))
      const excluded = isExcluded(ignore, path)
      if (!excluded) yield { rel: path, st }
      if (st.isDirectory() && (!excluded || descend)) yield* walk(path)
    }
  }
  for (const { rel, st } of walk('')) {
    if (st.isDirectory()) yield header(`${rel}/`, '5', st, 0)
    else if (st.isSymbolicLink()) yield header(rel, '2', st, 0, readlinkSync(join(dir, rel)))
    else if (st.isFile()) yield* file(join(dir, rel), rel, st)
  }
  yield Buffer.alloc(2 * BLOCK)
}

function* file(path: string, rel: string, st: Stats): Generator<Buffer> {
  const fd = openSync(path, 'r')
  try {
    yield header(rel, '0', st, st.size)
    let left = st.size
    while (left > 0) {
      const buf = Buffer.alloc(Math.min(CHUNK, left))
      const n = readSync(fd, buf, 0, buf.length, null)
      if (n === 0) break
      left -= n
      yield buf.subarray(0, n)
    }
    if (left > 0) yield Buffer.alloc(left) // shrank while read: keep the size the header says
    yield Buffer.alloc((BLOCK - (st.size % BLOCK)) % BLOCK)
  } finally {
    closeSync(fd)
  }
}

export function header(
  name: string,
  type: string,
  st: Pick<Stats, 'mode' | 'mtimeMs'>,
  size: number,
  link = '',
): Buffer {
  const pax: string[] = []
  if (Buffer.byteLength(name) > 100) pax.push(record('path', name))
  if (Buffer.byteLength(link) > 100) pax.push(record('linkpath', link))
  const big = size > 0o77777777777
  if (big) pax.push(record('size', String(size)))
  const main = block(name, type, st.mode & 0o7777, big ? 0 : size, Math.floor(st.mtimeMs / 1000), link)
  if (!pax.length) return main
  const body = Buffer.from(pax.join(''), 'utf8')
  const padded = Buffer.concat([body, Buffer.alloc((BLOCK - (body.length % BLOCK)) % BLOCK)])
  return Buffer.concat([block('PaxHeader', 'x', 0o644, body.length, 0, ''), padded, main])
}

/** "<len> key=value\n", len counting the whole record. */
function record(key: string, value: string): string {
  const rest = Buffer.byteLength(` ${key}=${value}\n`)
  let len = rest + String(rest).length
  if (String(len).length !== String(rest).length) len = rest + String(len).length
  return `${len} ${key}=${value}\n`
}

function block(name: string, type: string, mode: number, size: number, mtime: number, link: string): Buffer {
  const b = Buffer.alloc(BLOCK)
  const put = (s: string, off: number, len: number) => b.write(cut(s, len), off, len, 'utf8')
  const octal = (n: number, off: number, len: number) => put(n.toString(8).padStart(len - 1, '0'), off, len - 1)
  put(name, 0, 100)
  octal(mode, 100, 8)
  octal(0, 108, 8)
  octal(0, 116, 8)
  octal(size, 124, 12)
  octal(mtime, 136, 12)
  b.write('        ', 148, 8, 'latin1')
  b.write(type, 156, 1, 'latin1')
  put(link, 157, 100)
  b.write('ustar\u000000', 257, 8, 'latin1')
  let sum = 0
  for (const x of b) sum += x
  b.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 8, 'latin1')
  return b
}

/** At most `len` bytes of UTF-8, never half a character (the PAX record has the whole name). */
function cut(s: string, len: number): string {
  const b = Buffer.from(s, 'utf8')
  return b.length <= len
    ? s
    : b
        .subarray(0, len)
        .toString('utf8')
        .replace(/\uFFFD+$/, '')
}
