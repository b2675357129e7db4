/**
 * The directory cache: it holds directories only, and after every change that alters how a
 * directory resolves (copy-up, rmdir, rename, a directory made again over a removed one) the union
 * shows what a fresh walk would, never what the cache held before.
 */
import t from 'tap'
import { readFileSync } from 'node:fs'
import { DirCache } from '../../../daemon/overlay/dir-cache.js'
import type { Node } from '../../../daemon/overlay/lookup.js'
import { Overlay } from '../../../daemon/overlay/overlay.js'
import { buildStack, dir, file } from '../../helpers/fixtures.js'
import { tmpdir } from '../../helpers/tmpdir.js'

process.umask(0)

function union(t: Parameters<typeof tmpdir>[0]) {
  const dirs = buildStack(tmpdir(t, 'strata-dircache-'), [
    [dir('a/b/c'), file('a/b/c/lower', 'L'), file('a/b/f', 'F')],
    [dir('a/b'), file('a/b/deep', 'D')],
  ])
  return new Overlay({ ...dirs, xattrNamespace: 'trusted' })
}

const names = (ov: Overlay, path: string) => ov.readdir(path).map((e) => e.name)

t.test('forget drops a path, or a whole subtree', async (t) => {
  const cache = new DirCache()
  for (const p of ['', 'a', 'a/b', 'a/bc', 'a/b/c', 'x']) cache.set(p, { path: p } as Node)
  cache.forget('a/b', true)
  t.same(
    ['', 'a', 'a/bc', 'x'].map((p) => cache.get(p)?.path),
    ['', 'a', 'a/bc', 'x'],
  )
  t.equal(cache.get('a/b/c'), undefined)
  cache.forget('x')
  t.equal(cache.size, 3)
  cache.forget('', true)
  t.equal(cache.size, 0)
})

t.test('a subtree goes whole, also below a directory forgotten alone before', async (t) => {
  const cache = new DirCache()
  for (const p of ['a', 'a/b', 'a/b/c', 'a/b/c/d']) cache.set(p, { path: p } as Node)
  cache.forget('a/b') // a copy-up forgets one directory
  cache.forget('a', true)
  t.equal(cache.size, 0, 'a/b/c and a/b/c/d went with a')
  // rm -rf of 20,000 directories, deepest first (each forget costs its own subtree, not the cache)
  const paths = Array.from({ length: 20_000 }, (_, i) => `top/d${i % 100}/e${i}`)
  for (const p of ['top', ...paths]) cache.set(p, { path: p } as Node)
  for (const p of paths) cache.forget(p, true)
  t.equal(cache.size, 1, 'only top is left')
})

t.test('lookups cache the directories on the way, never files', async (t) => {
  const ov = union(t)
  ov.lookup('a/b/c/lower')
  t.ok(ov.stack.dirs.get('a/b/c'), 'the parent is cached')
  t.equal(ov.stack.dirs.get('a/b/c/lower'), undefined, 'a file is not')
  t.throws(() => ov.lookup('a/b/f/x'), { code: 'ENOTDIR' })
  t.throws(() => ov.lookup('a/nope/x'), { code: 'ENOENT' })
})

t.test('a copy-up of a cached lower directory: new entries land in upper/', async (t) => {
  const ov = union(t)
  t.equal(ov.lookup('a/b/c').upper, null)
  ov.create('a/b/c/new', 0o644)
  t.not(ov.lookup('a/b/c').upper, null, 'the directory now resolves to its upper copy')
  t.same(names(ov, 'a/b/c'), ['lower', 'new'])
})

t.test('a renamed cached directory: its old name resolves afresh', async (t) => {
  const ov = union(t)
  t.same(names(ov, 'a/b/c'), ['lower'])
  await ov.rename('a/b', 'moved')
  t.throws(() => ov.lookup('a/b/c'), { code: 'ENOENT' }, 'the cached a/b is gone')
  ov.mkdir('a/b', 0o755)
  t.same(names(ov, 'a/b'), [], 'made again: opaque, nothing of the lowers shows')
  t.throws(() => ov.lookup('a/b/c/lower'), { code: 'ENOENT' })
  t.equal(readFileSync(ov.openForRead('moved/c/lower'), 'utf8'), 'L', 'the moved tree resolves at its new name')
  t.equal(readFileSync(ov.openForRead('moved/deep'), 'utf8'), 'D')
})

t.test('a removed cached directory made again hides its lower entries', async (t) => {
  const ov = union(t)
  t.same(names(ov, 'a/b/c'), ['lower'])
  ov.unlink('a/b/c/lower')
  ov.rmdir('a/b/c')
  t.throws(() => ov.lookup('a/b/c/lower'), { code: 'ENOENT' })
  ov.mkdir('a/b/c', 0o755)
  t.same(names(ov, 'a/b/c'), [])
  ov.create('a/b/c/lower', 0o600)
  t.equal(ov.getattr('a/b/c/lower').size, 0n, 'a new file, not the lower one')
})

t.test('an exchanged pair of cached directories swaps what they resolve to', async (t) => {
  const ov = union(t)
  ov.mkdir('x', 0o755)
  ov.create('x/mine', 0o644)
  t.same(names(ov, 'a/b'), ['c', 'deep', 'f'])
  t.same(names(ov, 'x'), ['mine'])
  await ov.rename('a/b', 'x', 2)
  t.same(names(ov, 'a/b'), ['mine'])
  t.same(names(ov, 'x'), ['c', 'deep', 'f'])
  t.same(names(ov, 'x/c'), ['lower'])
})
