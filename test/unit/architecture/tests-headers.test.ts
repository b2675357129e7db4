import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { repoRoot, testsHeaders } from '../../helpers/repo-scripts.js'
import { tmpdir } from '../../helpers/tmpdir.js'

const { checkHeaders, expand, headerLines, modulesToCheck, namedTests, pathsIn } = testsHeaders

t.test('the header is the first /** */ comment, after a #! line', async (t) => {
  t.same(headerLines('#!/usr/bin/env node\n/**\n * What it is.\n * Tests: test/a.test.ts\n */\ncode()'), [
    '',
    'What it is.',
    'Tests: test/a.test.ts',
    '',
  ])
  t.equal(headerLines("import x from './x.js'\n/** late */"), null)
  t.equal(headerLines('// a line comment\n'), null)
})

t.test('paths are the words with a slash; prose, commas and "and" around them are not', async (t) => {
  t.same(pathsIn('test/unit/overlay/lookup.test.ts and the union suite (test/suites/union.ts).'), [
    'test/unit/overlay/lookup.test.ts',
    'test/suites/union.ts',
  ])
  t.same(pathsIn('test/unit/overlay/*.test.ts, test/integration/union-*.test.ts'), [
    'test/unit/overlay/*.test.ts',
    'test/integration/union-*.test.ts',
  ])
  t.same(pathsIn('the codec (no kernel), `test/unit/fuse/session.test.ts`;'), ['test/unit/fuse/session.test.ts'])
})

t.test('the Tests: clause runs to the next label; test/ paths elsewhere in the header count too', async (t) => {
  t.same(
    namedTests([
      'Lookup in the union.',
      'Tests: test/unit/a.test.ts and',
      '  test/integration/b.test.ts',
      'Errors: ENOENT from lib/errno.ts',
    ]),
    { hasClause: true, paths: ['test/unit/a.test.ts', 'test/integration/b.test.ts'] },
  )
  t.same(namedTests(['A layer (test/integration/upper-layer.test.ts checks it), see layers/x.ts.']), {
    hasClause: false,
    paths: ['test/integration/upper-layer.test.ts'],
  })
  t.same(namedTests(['No tests named.']), { hasClause: false, paths: [] })
})

t.test('globs expand to the files they match', async (t) => {
  const root = tmpdir(t)
  mkdirSync(join(root, 'test', 'unit', 'overlay'), { recursive: true })
  mkdirSync(join(root, 'test', 'integration', 'deep'), { recursive: true })
  writeFileSync(join(root, 'test', 'unit', 'overlay', 'engine.test.ts'), '')
  writeFileSync(join(root, 'test', 'unit', 'overlay', 'notes.md'), '')
  writeFileSync(join(root, 'test', 'integration', 'fuse-posix.test.ts'), '')
  writeFileSync(join(root, 'test', 'integration', 'deep', 'fuse-x.test.ts'), '')
  t.same(expand(root, 'test/unit/overlay/*.test.ts'), [join('test', 'unit', 'overlay', 'engine.test.ts')])
  t.same(expand(root, 'test/integration/fuse-*.test.ts'), [join('test', 'integration', 'fuse-posix.test.ts')])
  t.same(expand(root, 'test/**/fuse-?.test.ts'), [join('test', 'integration', 'deep', 'fuse-x.test.ts')])
  t.same(expand(root, 'test/unit/overlay/engine.test.ts'), [join('test', 'unit', 'overlay', 'engine.test.ts')])
  t.same(expand(root, 'test/unit/overlay/lookup.test.ts'), [])
  t.same(expand(root, 'test/unit/store/*.test.ts'), [], 'a glob under a missing folder matches nothing')
})

t.test('a module whose header names a missing test is reported with the missing path', async (t) => {
  const root = tmpdir(t)
  for (const dir of ['daemon/overlay', 'client', 'native-bindings/src', 'bench', 'test/unit/overlay'])
    mkdirSync(join(root, dir), { recursive: true })
  writeFileSync(join(root, 'test', 'unit', 'overlay', 'engine.test.ts'), '')
  writeFileSync(
    join(root, 'daemon', 'overlay', 'good.ts'),
    '/**\n * Good.\n * Tests: test/unit/overlay/*.test.ts\n */\n',
  )
  writeFileSync(
    join(root, 'daemon', 'overlay', 'bad.ts'),
    '/**\n * Bad.\n * Tests: test/unit/overlay/bad.test.ts and test/unit/overlay/engine.test.ts\n */\n',
  )
  writeFileSync(join(root, 'native-bindings', 'index.ts'), '/** No tests named. */\n')
  writeFileSync(join(root, 'native-bindings', 'src', 'skipped.ts'), '/** Tests: test/nope.ts */\n')
  writeFileSync(join(root, 'bench', 'run.ts'), 'code()\n')
  t.same(modulesToCheck(root), [
    'bench/run.ts',
    'daemon/overlay/bad.ts',
    'daemon/overlay/good.ts',
    'native-bindings/index.ts',
  ])
  t.same(
    checkHeaders(root).filter((r) => r.missing.length > 0),
    [
      {
        module: 'daemon/overlay/bad.ts',
        hasHeader: true,
        hasClause: true,
        paths: ['test/unit/overlay/bad.test.ts', 'test/unit/overlay/engine.test.ts'],
        missing: ['test/unit/overlay/bad.test.ts'],
      },
    ],
  )
})

t.test("every module header's Tests: path exists", async (t) => {
  const results = checkHeaders(repoRoot)
  t.ok(results.length > 100, `${results.length} modules read`)
  t.ok(
    results.some((r) => r.paths.length > 0),
    'some headers name tests',
  )
  for (const { module, missing } of results.filter((r) => r.missing.length > 0))
    t.fail(`${module} names tests that do not exist: ${missing.join(', ')}`)
})
