/**
 * A READDIRPLUS window's form (stat-follow.ts): a directory's first window always has attributes;
 * later ones while LOOKUPs of files follow listings, each such window using up one of them.
 */
import t from 'tap'
import { StatFollow } from '../../../daemon/fuse/stat-follow.js'

t.test("a directory's first window has attributes; later ones names only until stats are seen", async (t) => {
  const s = new StatFollow()
  t.ok(s.attributes(0))
  t.notOk(s.attributes(1234))
  t.same(s.windows, { attributes: 0, names: 1 }, 'first windows are not counted')
})

t.test('each stat seen buys one later window with attributes, up to 64', async (t) => {
  const s = new StatFollow()
  for (let i = 0; i < 3; i++) s.seen()
  t.same(
    [1, 2, 3, 4].map((o) => s.attributes(o)),
    [true, true, true, false],
  )
  for (let i = 0; i < 200; i++) s.seen()
  let full = 0
  while (s.attributes(7)) full++
  t.equal(full, 64)
  t.ok(s.attributes(0), 'first windows cost nothing')
  t.same(s.windows, { attributes: 67, names: 2 })
})
