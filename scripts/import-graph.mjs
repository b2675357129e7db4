/**
 * The import graph between daemon/'s folders, and the cycles in it. A node is a folder directly
 * under daemon/ (its subfolders count as part of it: fuse/ops/ is fuse) or a file directly in
 * daemon/ (main.ts, errors.ts, log.ts are nodes of their own). Every import counts, `import type`,
 * `export … from` and `import()` included, since a type-only import still ties two folders
 * together. Imports that leave daemon/ (client/protocol.ts, native-bindings/) are not edges.
 * Plain JavaScript so `npm run deps` runs without a build; typed by import-graph.d.mts.
 * Tests: test/unit/architecture/folder-cycles.test.ts
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import ts from 'typescript'

/** Every .ts file under dir (recursively), as absolute paths, sorted. */
export function tsFilesUnder(dir) {
  const out = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...tsFilesUnder(path))
    else if (entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(path)
  }
  return out.sort()
}

/** The files a module imports by a relative path, resolved to absolute .ts paths. */
export function relativeImportsOf(file) {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true)
  const out = []
  for (const { fileName } of importedFiles) {
    if (!fileName.startsWith('./') && !fileName.startsWith('../')) continue
    const target = resolve(dirname(file), fileName)
    // NodeNext: the source imports the emitted name (x.js), the file on disk is x.ts.
    const source = target.replace(/\.js$/, '.ts').replace(/\.mjs$/, '.mts')
    out.push(existsSync(source) ? source : target)
  }
  return out
}

/** The node a path (relative to the graph's root) belongs to: its first folder, or the file itself. */
export function nodeOf(relPath) {
  return relPath.split(sep)[0]
}

/**
 * The graph of root's folders. edges maps a node to the nodes it imports, each with the file
 * imports that make the edge (from, to: paths relative to root), so a report can show evidence.
 */
export function folderGraph(root) {
  const nodes = new Set()
  const edges = new Map()
  for (const file of tsFilesUnder(root)) {
    const fromRel = relative(root, file)
    const from = nodeOf(fromRel)
    nodes.add(from)
    for (const target of relativeImportsOf(file)) {
      const toRel = relative(root, target)
      if (toRel.startsWith('..')) continue
      const to = nodeOf(toRel)
      if (to === from) continue
      if (!edges.has(from)) edges.set(from, new Map())
      const targets = edges.get(from)
      if (!targets.has(to)) targets.set(to, [])
      targets.get(to).push({ from: fromRel, to: toRel })
    }
  }
  return { nodes: [...nodes].sort(), edges }
}

/** Strongly connected components with more than one node (Tarjan), each sorted, in name order. */
export function tangles(graph) {
  let counter = 0
  const index = new Map()
  const low = new Map()
  const stack = []
  const onStack = new Set()
  const out = []
  const visit = (v) => {
    index.set(v, counter)
    low.set(v, counter)
    counter++
    stack.push(v)
    onStack.add(v)
    for (const w of graph.edges.get(v)?.keys() ?? []) {
      if (!index.has(w)) {
        visit(w)
        low.set(v, Math.min(low.get(v), low.get(w)))
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v), index.get(w)))
      }
    }
    if (low.get(v) === index.get(v)) {
      const component = []
      let w
      do {
        w = stack.pop()
        onStack.delete(w)
        component.push(w)
      } while (w !== v)
      if (component.length > 1) out.push(component.sort())
    }
  }
  for (const v of graph.nodes) if (!index.has(v)) visit(v)
  return out.sort((a, b) => a[0].localeCompare(b[0]))
}

/** The shortest path from `from` to `to` inside `allowed`, as a list of nodes, or null. */
function shortestPath(graph, from, to, allowed) {
  const previous = new Map([[from, null]])
  const queue = [from]
  while (queue.length > 0) {
    const v = queue.shift()
    if (v === to) {
      const path = []
      for (let n = to; n !== null; n = previous.get(n)) path.unshift(n)
      return path
    }
    for (const w of [...(graph.edges.get(v)?.keys() ?? [])].sort()) {
      if (allowed.has(w) && !previous.has(w)) {
        previous.set(w, v)
        queue.push(w)
      }
    }
  }
  return null
}

/**
 * Cycles between nodes, each as a path that starts and ends at the same node
 * (['layers', 'store', 'layers']). Every edge that lies on some cycle is on at least one cycle
 * listed: for each such edge u -> v the shortest way back from v to u closes it. A cycle is
 * listed once, starting at its first node in name order; shorter cycles come first.
 */
export function findCycles(graph) {
  const seen = new Set()
  const cycles = []
  for (const component of tangles(graph)) {
    const allowed = new Set(component)
    for (const u of component) {
      for (const v of [...(graph.edges.get(u)?.keys() ?? [])].sort()) {
        if (!allowed.has(v)) continue
        const back = shortestPath(graph, v, u, allowed)
        if (back === null) continue
        const ring = [u, ...back.slice(0, -1)]
        const start = ring.indexOf([...ring].sort()[0])
        const rotated = [...ring.slice(start), ...ring.slice(0, start)]
        const key = rotated.join(' -> ')
        if (seen.has(key)) continue
        seen.add(key)
        cycles.push([...rotated, rotated[0]])
      }
    }
  }
  return cycles.sort((a, b) => a.length - b.length || a.join().localeCompare(b.join()))
}

/** A cycle with, for each step, one import that makes it (and how many more there are). */
export function describeCycle(graph, cycle) {
  const lines = [cycle.join(' -> ')]
  for (let i = 0; i + 1 < cycle.length; i++) {
    const imports = graph.edges.get(cycle[i])?.get(cycle[i + 1]) ?? []
    const first = imports[0]
    const more = imports.length > 1 ? ` (and ${imports.length - 1} more)` : ''
    if (first) lines.push(`  ${first.from} imports ${first.to}${more}`)
  }
  return lines.join('\n')
}

/** One line per node: what it imports, with the number of imports behind each edge. */
export function describeGraph(graph) {
  return graph.nodes
    .map((node) => {
      const targets = [...(graph.edges.get(node) ?? new Map()).entries()].sort(([a], [b]) => a.localeCompare(b))
      const list = targets.map(([to, imports]) => `${to} (${imports.length})`).join(', ')
      return `${node} -> ${list || '(nothing)'}`
    })
    .join('\n')
}
