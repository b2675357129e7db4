/** Names as bytes (overlay/names.ts): UTF-8 names unchanged, any other bytes kept through escapes. */
import t from 'tap'
import { byteLength, decodeName, encodeName, hasEscapes, shownName } from '../../../daemon/overlay/names.js'

t.test('a UTF-8 name is the string it always was', async (t) => {
  for (const s of ['plain', 'caf\u00e9', '\u{1F600}x', '\u{10080}', 'a\uFFFDb']) {
    const bytes = Buffer.from(s, 'utf8')
    t.equal(decodeName(bytes), s)
    t.same(encodeName(s), bytes)
    t.equal(hasEscapes(s), false, `${s}: a surrogate pair is no escape`)
    t.equal(byteLength(s), bytes.length)
  }
})

t.test('bytes that are not UTF-8 survive the trip byte for byte, each name a distinct string', async (t) => {
  const cases = [
    [0x80],
    [0xff],
    [0x61, 0xc3],
    [0xc3, 0x28],
    [0xe2, 0x82],
    [0xed, 0xa0, 0x80], // an encoded surrogate is not UTF-8
    [0xc0, 0xaf], // overlong '/'
    [0xf4, 0x90, 0x80, 0x80], // above U+10FFFF
    [0xf0, 0x9f, 0x98, 0x80, 0xff], // a valid emoji then a stray byte
    Array(255).fill(0x80),
  ]
  const seen = new Set<string>()
  for (const c of cases) {
    const bytes = Buffer.from(c)
    const s = decodeName(bytes)
    t.ok(hasEscapes(s), bytes.toString('hex'))
    t.same(encodeName(s), bytes, bytes.toString('hex'))
    t.equal(byteLength(s), bytes.length)
    t.notOk(seen.has(s))
    seen.add(s)
  }
  t.equal(decodeName(Buffer.from([0x61, 0x80, 0x62])), 'a\uDC80b')
})

t.test('every single byte and every pair of bytes round-trips', async (t) => {
  let bad = 0
  for (let a = 1; a < 256; a++) {
    for (let b = 0; b < 256; b += a < 0x80 ? 255 : 1) {
      const bytes = b === 0 ? Buffer.of(a) : Buffer.of(a, b)
      if (!encodeName(decodeName(bytes)).equals(bytes)) bad++
    }
  }
  t.equal(bad, 0)
})

t.test('shownName: each escaped byte is one U+FFFD; a surrogate pair and plain names are kept', async (t) => {
  t.equal(shownName(decodeName(Buffer.from([0x61, 0x80, 0xff, 0x62]))), 'a\uFFFD\uFFFDb')
  t.equal(shownName('plain/é/😀'), 'plain/é/😀')
  t.equal(Buffer.from(shownName(decodeName(Buffer.from([0xe9])))).length, 3, 'valid UTF-8 once shown')
})
