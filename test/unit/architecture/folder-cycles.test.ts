import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import type { FolderGraph } from '../../../scripts/import-graph.mjs'
import { importGraph, repoRoot } from '../../helpers/repo-scripts.js'
import { tmpdir } from '../../helpers/tmpdir.js'

const { describeCycle, findCycles, folderGraph, nodeOf, relativeImportsOf } = importGraph

/** A graph from { node: [nodes it imports] }, each edge made by one made-up file import. */
function graphOf(adjacency: Record<string, string[]>): FolderGraph {
  const nodes = new Set(Object.keys(adjacency))
  const edges = new Map<string, Map<string, { from: string; to: string }[]>>()
  for (const [from, targets] of Object.entries(adjacency)) {
    edges.set(from, new Map(targets.map((to) => [to, [{ from: `${from}/a.ts`, to: `${to}/b.ts` }]])))
    for (const to of targets) nodes.add(to)
  }
  return { nodes: [...nodes].sort(), edges }
}

t.test("a file's node is its first folder under daemon/, or the file itself at the top", async (t) => {
  t.equal(nodeOf(join('fuse', 'ops', 'attr.ts')), 'fuse')
  t.equal(nodeOf(join('store', 'db.ts')), 'store')
  t.equal(nodeOf('main.ts'), 'main.ts')
})

t.test('every relative import counts: type-only, multi-line, re-exports, import(); comments do not', async (t) => {
  const dir = tmpdir(t)
  mkdirSync(join(dir, 'a'))
  writeFileSync(
    join(dir, 'a', 'x.ts'),
    [
      "import type { A } from '../b/one.js'",
      "import {\n  b,\n  c,\n} from '../c/two.js'",
      "export * from './three.js'",
      "const d = await import('../d/four.js')",
      "import { readFileSync } from 'node:fs'",
      "// import z from '../z/nope.js'",
      'const s = "import q from \'../q/nope.js\'"',
    ].join('\n'),
  )
  writeFileSync(join(dir, 'a', 'three.ts'), '')
  t.same(relativeImportsOf(join(dir, 'a', 'x.ts')), [
    join(dir, 'b', 'one.js'),
    join(dir, 'c', 'two.js'),
    join(dir, 'a', 'three.ts'),
    join(dir, 'd', 'four.js'),
  ])
})

t.test('the graph joins files into folder nodes and keeps the imports behind each edge', async (t) => {
  const dir = tmpdir(t)
  mkdirSync(join(dir, 'store'))
  mkdirSync(join(dir, 'fuse', 'ops'), { recursive: true })
  writeFileSync(join(dir, 'errors.ts'), '')
  writeFileSync(join(dir, 'store', 'db.ts'), "import { e } from '../errors.js'\nimport { k } from './keys.js'")
  writeFileSync(join(dir, 'store', 'keys.ts'), '')
  writeFileSync(join(dir, 'fuse', 'ops', 'attr.ts'), "import { db } from '../../store/db.js'")
  writeFileSync(join(dir, 'fuse', 'native.ts'), "import { x } from '../../native-bindings/index.js'")
  const graph = folderGraph(dir)
  t.same(graph.nodes, ['errors.ts', 'fuse', 'store'])
  t.same(
    [...graph.edges].map(([from, targets]) => [from, [...targets.keys()]]),
    [
      ['fuse', ['store']],
      ['store', ['errors.ts']],
    ],
    'same-folder imports and imports leaving the root are no edges',
  )
  t.same(graph.edges.get('fuse')?.get('store'), [{ from: join('fuse', 'ops', 'attr.ts'), to: join('store', 'db.ts') }])
  t.same(findCycles(graph), [])
})

t.test('cycles are found, each once, with every edge on a cycle shown on one', async (t) => {
  t.same(findCycles(graphOf({ api: ['store', 'layers'], layers: ['store'], store: [] })), [], 'a DAG has none')
  t.same(findCycles(graphOf({ store: ['layers'], layers: ['store'] })), [['layers', 'store', 'layers']])
  t.same(findCycles(graphOf({ a: ['b'], b: ['c'], c: ['a'], d: ['a'] })), [['a', 'b', 'c', 'a']])
  t.same(findCycles(graphOf({ layers: ['store'], store: ['layers', 'registry'], registry: ['store', 'layers'] })), [
    ['layers', 'store', 'layers'],
    ['registry', 'store', 'registry'],
    ['layers', 'store', 'registry', 'layers'],
  ])
  const graph = graphOf({ store: ['layers'], layers: ['store'] })
  t.equal(
    describeCycle(graph, ['layers', 'store', 'layers']),
    'layers -> store -> layers\n  layers/a.ts imports store/b.ts\n  store/a.ts imports layers/b.ts',
  )
})

t.test('no folder of daemon/ imports, directly or through others, a folder that imports it back', async (t) => {
  const graph = folderGraph(join(repoRoot, 'daemon'))
  t.ok(graph.nodes.includes('store') && graph.nodes.includes('main.ts'), 'the daemon tree was read')
  const cycles = findCycles(graph)
  for (const cycle of cycles) t.fail(`folder cycle: ${describeCycle(graph, cycle)}`)
  if (cycles.length === 0) t.pass('no cycles between daemon/ folders')
})
