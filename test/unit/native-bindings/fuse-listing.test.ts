/**
 * The reader's listings (native-bindings/src/fuse-listing.c) give every name the offset JavaScript's
 * listings give it (dir-listing.ts cookieOf), so a reader can go on from an offset the other gave:
 * ASCII, accents, CJK, astral characters (two UTF-16 code units), the longest name; a name that is
 * not UTF-8 is left to JavaScript. The listings themselves go through a real mount:
 * test/integration/fuse-upper-readdir.test.ts.
 */
import t from 'tap'
import { listingCookie } from '../../../native-bindings/index.js'
import { cookieOf } from '../../../daemon/fuse/dir-listing.js'

t.test('the same cookie as JavaScript for every UTF-8 name', async (t) => {
  const names = [
    'a',
    'index.js',
    'package.json',
    'é',
    'naïve-ünïcödé',
    '日本語のファイル',
    '😀',
    'a😀b𝄞c',
    'x'.repeat(255),
  ]
  for (let i = 0; i < 2000; i++) names.push(`f${i}`, `lib-${i * 7919}.mjs`)
  for (const name of names) t.equal(listingCookie(Buffer.from(name)), cookieOf(name), name.slice(0, 20))
})

t.test('a name that is not UTF-8, or too long, is left to JavaScript', async (t) => {
  const bad = [[0xff], [0x61, 0x80], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82]]
  for (const bytes of bad) t.equal(listingCookie(Buffer.from(bytes)), null, Buffer.from(bytes).toString('hex'))
  t.equal(listingCookie(Buffer.from('x'.repeat(256))), null, 'longer than a name can be')
  t.equal(listingCookie(Buffer.from('a\0b')), null, 'a NUL')
  t.throws(() => listingCookie('a' as never), TypeError)
})
