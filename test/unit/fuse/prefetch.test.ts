/**
 * When the prefetcher warms (prefetch.ts): a listing of two or more backing directories, and a
 * window of enough entries to look up.
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
  t.same(ten.counts, { listings: 1, entries: 0, paths: 10 })
})

t.test('windows: warmed from eight names to look up on', async (t) => {
  const { p, base } = prefetcher(t, 1)
  for (const n of names(8)) writeFileSync(`${base}/${n}`, '')
  await p.entries('d', names(7))
  t.equal(p.counts.entries, 0)
  await p.entries('d', names(8))
  t.same(p.counts, { listings: 0, entries: 1, paths: 8 })
})
