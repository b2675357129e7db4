/**
 * The plain-JavaScript modules in scripts/ (they run without a build), loaded with their types
 * from a test that runs compiled in dist/: the repository root is found by walking up to the
 * package.json, since dist/test/… and test/… sit at different depths.
 */
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

function findRepoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir)
    if (parent === dir) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`)
    dir = parent
  }
  return dir
}

export const repoRoot = findRepoRoot()

async function load<T>(name: string): Promise<T> {
  return (await import(pathToFileURL(join(repoRoot, 'scripts', name)).href)) as T
}

export const importGraph = await load<typeof import('../../scripts/import-graph.mjs')>('import-graph.mjs')
export const testsHeaders = await load<typeof import('../../scripts/tests-headers.mjs')>('tests-headers.mjs')
