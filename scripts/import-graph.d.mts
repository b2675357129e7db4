/** Types for import-graph.mjs (plain JavaScript so `npm run deps` needs no build). */
export interface FileImport {
  /** Paths relative to the graph's root. */
  from: string
  to: string
}
export interface FolderGraph {
  nodes: string[]
  edges: Map<string, Map<string, FileImport[]>>
}
export function tsFilesUnder(dir: string): string[]
export function relativeImportsOf(file: string): string[]
export function nodeOf(relPath: string): string
export function folderGraph(root: string): FolderGraph
export function tangles(graph: FolderGraph): string[][]
export function findCycles(graph: FolderGraph): string[][]
export function describeCycle(graph: FolderGraph, cycle: string[]): string
export function describeGraph(graph: FolderGraph): string
