import t from 'tap'
import { humanAgo, humanDuration, humanSize, shortId } from '../../../../client/cli/human.js'

t.test('sizes as Docker prints them', async (t) => {
  const cases: Array<[number, string]> = [
    [0, '0B'],
    [999, '999B'],
    [1000, '1kB'],
    [1234567, '1.23MB'],
    [4_261_376, '4.26MB'],
    [123_456_789, '123MB'],
    [7_800_000_000, '7.8GB'],
  ]
  for (const [n, want] of cases) t.equal(humanSize(n), want, String(n))
})

t.test('durations as Docker words them', async (t) => {
  const s = 1000
  const cases: Array<[number, string]> = [
    [500, 'Less than a second'],
    [1 * s, '1 second'],
    [45 * s, '45 seconds'],
    [61 * s, 'About a minute'],
    [59 * 60 * s, '59 minutes'],
    [3600 * s, 'About an hour'],
    [5 * 3600 * s, '5 hours'],
    [3 * 86400 * s, '3 days'],
    [20 * 86400 * s, '2 weeks'],
    [90 * 86400 * s, '3 months'],
    [800 * 86400 * s, '2 years'],
  ]
  for (const [ms, want] of cases) t.equal(humanDuration(ms), want, String(ms))
  t.equal(humanAgo('2026-01-01T00:00:00Z', Date.parse('2026-01-01T02:00:00Z')), '2 hours ago')
  t.equal(humanAgo(''), 'N/A', 'no time (an OCI config without created)')
  t.equal(humanAgo('not a date'), 'N/A')
})

t.test('ids shorten to 12 characters unless --no-trunc', async (t) => {
  const id = 'sha256:' + 'ab'.repeat(32)
  t.equal(shortId(id), 'abababababab')
  t.equal(shortId(id, true), id)
})
