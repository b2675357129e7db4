/** Directory listings by cookie: order, resuming at an offset across changes, collisions, the bound on kept listings. */
import t from 'tap'
import { cookieOf, firstAfter, fitting, listingOf, Listings, type Listed } from '../../../daemon/fuse/dir-listing.js'

const files = (names: string[]) => names.map((name) => ({ name, type: 'file' as const }))
const names = (l: Listed[]) => l.map((e) => e.name)

/** Reads the whole directory in replies of `perReply` entries, `between` run after each reply. */
function readAll(list: () => Listed[], perReply: number, between: (round: number) => void): string[] {
  const seen: string[] = []
  let offset = 0
  for (let round = 0; ; round++) {
    const l = list()
    const start = firstAfter(l, offset)
    const n = fitting(l, start, perReply, () => 1).count
    if (n === 0) return seen
    const got = l.slice(start, start + n)
    seen.push(...names(got))
    offset = (got.at(-1) as Listed).cookie
    between(round)
  }
}

t.test('cookies: above the two of . and .., below 2^52, spread', async (t) => {
  const many = Array.from({ length: 100_000 }, (_, i) => `f${i}`)
  const cookies = new Set(many.map(cookieOf))
  t.ok(cookies.size >= many.length - 2, `${many.length - cookies.size} collisions in 100,000 names`)
  t.ok(
    [...cookies].every((c) => Number.isSafeInteger(c) && c > 2 && c < 2 ** 52),
    'every cookie is an exact number in range',
  )
  t.equal(cookieOf('abc'), cookieOf('abc'), 'the same name, the same cookie')
})

t.test('a listing: . and .. first, then by cookie; firstAfter resumes after any offset', async (t) => {
  const l = listingOf(files(['a', 'b', 'c']))
  t.same(names(l).slice(0, 2), ['.', '..'])
  t.same([...names(l).slice(2)].sort(), ['a', 'b', 'c'])
  t.equal(firstAfter(l, 0), 0)
  t.equal(firstAfter(l, 2), 2, 'after ..')
  t.equal(firstAfter(l, (l[3] as Listed).cookie), 4)
  t.equal(firstAfter(l, 2 ** 53), l.length, 'past every cookie: the end')
})

t.test('entries that stay are read exactly once while others come and go between replies', async (t) => {
  const stay = Array.from({ length: 50 }, (_, i) => `keep${i}`)
  let current = [...stay, ...Array.from({ length: 50 }, (_, i) => `gone${i}`)]
  const seen = readAll(
    () => listingOf(files(current)),
    7,
    (round) => {
      // rm -rf style: what was read is removed, and new names appear
      current = current.filter((n) => !n.startsWith('gone') || Number(n.slice(4)) % (round + 2) !== 0)
      current.push(`new${round}`)
    },
  )
  for (const n of stay) t.equal(seen.filter((s) => s === n).length, 1, `${n} once`)
  t.equal(new Set(seen).size, seen.length, 'nothing twice')
})

t.test('a reply never ends inside a run of equal cookies', async (t) => {
  const l: Listed[] = [
    { name: '.', type: 'dir', cookie: 1 },
    { name: '..', type: 'dir', cookie: 2 },
    { name: 'x', type: 'file', cookie: 10 },
    { name: 'y', type: 'file', cookie: 20 },
    { name: 'z', type: 'file', cookie: 20 },
    { name: 'w', type: 'file', cookie: 30 },
  ]
  const two = () => 2
  t.same(fitting(l, 0, 8, two), { count: 3, bytes: 6 }, 'stops before y, whose twin z would not fit')
  t.same(fitting(l, 3, 4, two), { count: 2, bytes: 4 }, 'y and z together')
  t.same(fitting(l, 3, 2, two), { count: 1, bytes: 2 }, 'a run larger than a reply is split: nothing else fits')
  t.same(fitting(l, 0, 100, two), { count: 6, bytes: 12 })
  t.same(fitting(l, 6, 100, two), { count: 0, bytes: 0 }, 'the end')
})

t.test('Listings: a fresh listing at offset 0, kept for readers going on, bounded', async (t) => {
  const kept = new Listings(2)
  let reads = 0
  const read = () => {
    reads++
    return listingOf(files(['a']))
  }
  const first = kept.get(5, 0, read)
  t.equal(kept.get(5, 2, read), first, 'going on: the same listing')
  t.not(kept.get(5, 0, read), first, 'from the start again: a fresh one')
  kept.get(6, 0, read)
  kept.get(7, 0, read)
  t.equal(kept.size, 2, 'the oldest is dropped past the bound')
  reads = 0
  kept.get(5, 2, read)
  t.equal(reads, 1, 'a dropped listing is read again for a reader going on')
  kept.drop(5)
  t.equal(kept.size, 1, 'a listing read to its end is dropped')
})
