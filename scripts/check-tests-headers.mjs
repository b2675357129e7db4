/**
 * `npm run lint` step: fails when a module header names a test that does not exist (see
 * tests-headers.mjs for what is read). Prints each broken header; no build needed.
 * Tests: test/unit/architecture/tests-headers.test.ts
 */
import { dirname } from 'node:path'
import process from 'node:process'
import { fileURLToPath } from 'node:url'
import { checkHeaders } from './tests-headers.mjs'

const root = dirname(dirname(fileURLToPath(import.meta.url)))
const results = checkHeaders(root)
const broken = results.filter((r) => r.missing.length > 0)
for (const { module, missing } of broken) {
  process.stderr.write(`${module}: its header names tests that do not exist: ${missing.join(', ')}\n`)
}
const named = results.filter((r) => r.paths.length > 0).length
process.stdout.write(`${named} of ${results.length} module headers name tests; ${broken.length} name a missing one\n`)
if (broken.length > 0) process.exitCode = 1
