/**
 * Names as bytes: a file name on Linux is any bytes but '/' and NUL, while the engine works on
 * JavaScript strings. A name's valid UTF-8 decodes as usual; each byte that is not part of valid
 * UTF-8 becomes the lone surrogate U+DC80..U+DCFF (the "surrogateescape" of Python's os module),
 * so every name survives the trip to a string and back byte for byte, and names that are UTF-8
 * (nearly all) are the strings they always were.
 * Tests: test/unit/overlay/names.test.ts
 */
import { isUtf8 } from 'node:buffer'

/** A lone low surrogate in the escape range: a byte that was not UTF-8. */
const ESCAPED = /(?<![\uD800-\uDBFF])[\uDC80-\uDCFF]/
/** Any code unit of that range (the cheap test first: most paths have none). */
const IN_RANGE = /[\uDC80-\uDCFF]/

export const hasEscapes = (s: string): boolean => IN_RANGE.test(s) && ESCAPED.test(s)

/**
 * A name as a UTF-8 text shows it, each byte that is not UTF-8 as U+FFFD (as Go's encoding/json
 * and a terminal show it); an escape given as it is to a UTF-8 encoder would become three.
 */
export const shownName = (s: string): string => (hasEscapes(s) ? s.replace(ESCAPED_ALL, '\uFFFD') : s)
const ESCAPED_ALL = new RegExp(ESCAPED.source, 'g')

/** A name's length in bytes: what encodeName gives, without making it for a name that is UTF-8. */
export const byteLength = (s: string): number => (hasEscapes(s) ? encodeName(s).length : Buffer.byteLength(s))

/** The string of a name's (or path's) bytes. */
export function decodeName(bytes: Uint8Array): string {
  if (isUtf8(bytes)) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8')
  let out = ''
  for (let i = 0; i < bytes.length;) {
    const n = validSequence(bytes, i)
    if (n === 0) {
      out += String.fromCharCode(0xdc00 | (bytes[i] as number))
      i += 1
    } else {
      out += Buffer.from(bytes.buffer, bytes.byteOffset + i, n).toString('utf8')
      i += n
    }
  }
  return out
}

/** The bytes of a string made by decodeName (any other string: its UTF-8). */
export function encodeName(s: string): Buffer {
  if (!hasEscapes(s)) return Buffer.from(s, 'utf8')
  const parts: Buffer[] = []
  let run = ''
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    const prev = i > 0 ? s.charCodeAt(i - 1) : 0
    if (c >= 0xdc80 && c <= 0xdcff && !(prev >= 0xd800 && prev <= 0xdbff)) {
      parts.push(Buffer.from(run, 'utf8'), Buffer.of(c & 0xff))
      run = ''
    } else {
      run += s[i]
    }
  }
  parts.push(Buffer.from(run, 'utf8'))
  return Buffer.concat(parts)
}

/**
 * The length of the valid UTF-8 sequence starting at `i` (1 to 4), or 0 when the byte there does
 * not start one: no overlong forms, no surrogates, nothing above U+10FFFF.
 */
function validSequence(b: Uint8Array, i: number): number {
  const c = b[i] as number
  if (c < 0x80) return 1
  const cont = (k: number, lo = 0x80, hi = 0xbf) => {
    const x = b[i + k]
    return x !== undefined && x >= lo && x <= hi
  }
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0
  if (c === 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0
  if (c === 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0
  if (c >= 0xe1 && c <= 0xef) return cont(1) && cont(2) ? 3 : 0
  if (c === 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0
  if (c >= 0xf1 && c <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0
  if (c === 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0
  return 0
}
