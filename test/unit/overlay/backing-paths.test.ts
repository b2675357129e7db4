/**
 * Overlay.backingPathsOf (backing-paths.ts): the backing directories a listing reads and the
 * backing paths a lookup of each name lstats, from the directory cache and the lower index alone.
 */
import t from 'tap'
import { Overlay } from '../../../daemon/overlay/overlay.js'
import { buildStack, dir, file, opaque, whiteout } from '../../helpers/fixtures.js'
import { tmpdir } from '../../helpers/tmpdir.js'

t.test('a directory merged from upper and two lowers', async (t) => {
  const base = tmpdir(t, 'strata-backing-')
  const dirs = buildStack(base, [
    [file('d/top'), whiteout('d/gone'), dir('d/sub')],
    [file('d/low'), file('d/top'), file('d/gone'), dir('d/sub'), file('solo/x')],
  ])
  const ov = new Overlay(dirs)
  t.same(ov.backingPathsOf('d'), [], 'nothing for a directory not resolved yet')
  ov.readdir('d')
  ov.mkdir('d/made', 0o755, { uid: 0, gid: 0 })
  t.same(ov.backingPathsOf('d'), [`${base}/upper/d`, `${base}/l0/d`, `${base}/l1/d`], 'upper first, then each layer')
  t.same(ov.backingPathsOf('d', ['top', 'low', 'gone', 'made', 'nothing']), [
    `${base}/upper/d/top`,
    `${base}/l0/d/top`,
    `${base}/upper/d/low`,
    `${base}/l1/d/low`,
    `${base}/upper/d/gone`, // whited out: upper's name only
    `${base}/upper/d/made`,
    `${base}/upper/d/nothing`,
  ])
  ov.readdir('solo')
  t.same(ov.backingPathsOf('solo'), [`${base}/l1/solo`], 'one layer, no upper copy')
  t.same(ov.backingPathsOf('solo', ['x']), [`${base}/l1/solo/x`])
})

t.test('an opaque directory cuts the layers below; escaped names are left out', async (t) => {
  const base = tmpdir(t, 'strata-backing-')
  const dirs = buildStack(base, [[opaque('o'), file('o/a')], [file('o/b')]])
  const ov = new Overlay({ lowers: dirs.lowers })
  ov.readdir('o')
  t.same(ov.backingPathsOf('o'), [`${base}/l0/o`])
  t.same(ov.backingPathsOf('o', ['a', 'b', 'a\uDC80']), [`${base}/l0/o/a`])
})
