/**
 * `npm run coverage` (after the build): the unit tests in dist/test/unit with coverage on, then a
 * text summary. No threshold: the number is reported, not enforced. Source maps turn dist/'s
 * lines back into the .ts files. tap counts only the modules a test loads, so the summary is
 * followed by the source modules no unit test loads (they are not in its denominator).
 * The summary is printed even when a test fails; the exit status is then tap's.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import process from 'node:process'
import { fileURLToPath } from 'node:url'
import { tsFilesUnder } from './import-graph.mjs'

const root = dirname(dirname(fileURLToPath(import.meta.url)))
const run = (args) => spawnSync('npx', args, { cwd: root, stdio: 'inherit' }).status ?? 1

const exclude = ['--coverage-exclude=dist/test/**', '--coverage-exclude=scripts/**']
const status = run(['tap', '--no-disable-coverage', '--coverage-report=none', ...exclude, 'dist/test/unit'])
run(['tap', 'report', 'text-summary', 'json-summary'])

const summaryFile = join(root, '.tap', 'report', 'coverage-summary.json')
if (existsSync(summaryFile)) {
  const covered = new Set(Object.keys(JSON.parse(readFileSync(summaryFile, 'utf8'))))
  const sources = [
    ...tsFilesUnder(join(root, 'daemon')),
    ...tsFilesUnder(join(root, 'client')),
    join(root, 'native-bindings', 'index.ts'),
  ]
  const unloaded = sources.filter((file) => !covered.has(file)).map((file) => relative(root, file))
  const byFolder = new Map()
  for (const file of unloaded) byFolder.set(dirname(file), (byFolder.get(dirname(file)) ?? 0) + 1)
  const folders = [...byFolder].map(([folder, count]) => `${folder} ${count}`).join(', ')
  process.stdout.write(`${unloaded.length} of ${sources.length} source modules are loaded by no unit test`)
  process.stdout.write(unloaded.length > 0 ? ` (${folders})\n` : '\n')
}
process.exitCode = status
