/**
 * When the prefetcher warms (prefetch.ts): a listing of two or more backing directories, windows of
 * enough entries, and plain READDIR windows only while LOOKUPs of files follow listings.
 */
import t from 'tap'
import { writeFileSync } from 'node:fs'
import { Prefetch } from '../../../daemon/fuse/prefetch.js'
import type { Overlay } from '../../../daemon/overlay/overlay.js'
import { createLogger } from '../../../daemon/log.js'
import { tmpdir } from '../../helpers/tmpdir.js'

function prefetcher(t: Parameters<typeof tmpdir>[0], layerDirs: number) {
  const base = tmpdir(t, 'strata-prefetch-')
  const ov = {
    backingPathsOf: (path: string, names?: readonly string[]) =>
      names ? names.map((n) => `${base}/${n}`) : Array.from({ length: layerDirs }, () => base),
  } as unknown as Overlay
  return { p: new Prefetch(ov, createLogger('error', 'test')), base }
}
const names = (n: number) => Array.from({ length: n }, (_, i) => `f${i}`)

t.test('listings: warmed when read from two directories or more', async (t) => {
  const one = prefetcher(t, 1).p
  await one.listing('d')
  t.equal(one.counts.listings, 0)
  const ten = prefetcher(t, 10).p
  await ten.listing('d')
  t.same(ten.counts, { listings: 1, entries: 0, ahead: 0, paths: 10 })
})

t.test('READDIRPLUS windows: warmed from eight names on', async (t) => {
  const { p, base } = prefetcher(t, 1)
  for (const n of names(8)) writeFileSync(`${base}/${n}`, '')
  await p.entries('d', names(7))
  t.equal(p.counts.entries, 0)
  await p.entries('d', names(8))
  t.same(p.counts, { listings: 0, entries: 1, ahead: 0, paths: 8 })
})

t.test('plain READDIR windows: in the background, only while stats follow listings', async (t) => {
  const { p } = prefetcher(t, 1)
  p.ahead('d', names(100))
  t.equal(p.counts.ahead, 0, 'no stats seen: plain find, ls')
  for (let i = 0; i < 100; i++) p.statSeen() // capped at 64
  const started = []
  for (let i = 0; i < 10; i++) {
    p.ahead('d', names(100))
    started.push(p.counts.ahead)
  }
  t.same(started, [1, 2, 3, 4, 5, 6, 7, 7, 7, 7], 'each warm halves the score: 64 -> 0 in seven')
  p.statSeen()
  p.ahead('d', names(4))
  t.equal(p.counts.ahead, 7, 'too few names')
  await p.settled()
  t.equal(p.counts.paths, 700)
})
