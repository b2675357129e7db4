/**
 * `npm run deps`: prints which of daemon/'s folders import which, then every cycle between
 * them with the imports that make it; exits 1 when there is a cycle. No build needed.
 * Tests: test/unit/architecture/folder-cycles.test.ts
 */
import { dirname, join } from 'node:path'
import process from 'node:process'
import { fileURLToPath } from 'node:url'
import { describeCycle, describeGraph, findCycles, folderGraph } from './import-graph.mjs'

const daemon = join(dirname(dirname(fileURLToPath(import.meta.url))), 'daemon')
const graph = folderGraph(daemon)
const cycles = findCycles(graph)
process.stdout.write(`daemon/ folders (node -> what it imports, with the number of imports):\n`)
process.stdout.write(describeGraph(graph) + '\n\n')
if (cycles.length === 0) {
  process.stdout.write('no cycles between folders\n')
} else {
  process.stdout.write(`${cycles.length} cycle(s) between folders:\n`)
  for (const cycle of cycles) process.stdout.write(describeCycle(graph, cycle) + '\n')
  process.exitCode = 1
}
