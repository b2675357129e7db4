import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { checksumOf, globRegExp, matchSources } from '../../../daemon/build/copy-sources.js'
import { tmpdir } from '../../helpers/tmpdir.js'

t.test('patterns match component by component, inside the root', async (t) => {
  const root = tmpdir(t)
  mkdirSync(join(root, 'src/sub'), { recursive: true })
  for (const f of ['a.txt', 'b.txt', 'c.md', 'src/x.ts', 'src/sub/y.ts']) writeFileSync(join(root, f), f)
  symlinkSync('/src', join(root, 'link'))
  const names = (p: string[]) => matchSources(root, p).map((s) => s.path.slice(root.length + 1))
  t.same(names(['*.txt']), ['a.txt', 'b.txt'])
  t.same(names(['src/*.ts', 'c.md']), ['src/x.ts', 'c.md'])
  t.same(names(['*/sub/?.ts']), ['src/sub/y.ts'])
  t.same(names(['../../c.md']), ['c.md'], '.. stays in the root')
  t.same(names(['link/x.ts']), ['src/x.ts'], 'a link is followed inside the root')
  t.throws(() => matchSources(root, ['*.none']), { code: 'NOT_FOUND' })
  t.throws(() => matchSources(root, ['missing']), { code: 'NOT_FOUND' })
  t.ok(globRegExp('[!a]?').test('bc'))
  t.notOk(globRegExp('[!a]?').test('ac'))
})

t.test('the checksum follows content, names and modes, not times', async (t) => {
  const root = tmpdir(t)
  mkdirSync(join(root, 'd'))
  writeFileSync(join(root, 'd/f'), 'one')
  const sum = () => checksumOf(matchSources(root, ['d']))
  const first = sum()
  t.match(first, /^dir:[0-9a-f]{64}$/)
  t.match(checksumOf(matchSources(root, ['d/f'])), /^file:/)
  writeFileSync(join(root, 'd/f'), 'one')
  t.equal(sum(), first, 'rewritten with the same bytes: the same')
  writeFileSync(join(root, 'd/f'), 'two')
  const second = sum()
  t.not(second, first, 'changed content')
  chmodSync(join(root, 'd/f'), 0o755)
  t.not(sum(), second, 'changed mode')
})
