/**
 * The union suite (test/suites/union.ts) against kernel overlayfs: same layers, same operations,
 * then the same result codes, merged view and upper directory.
 */
import t from 'tap'
import { existsSync } from 'node:fs'
import { cases, runCase } from '../suites/union.js'

process.umask(0)

for (const c of cases) t.test(c.name, (t) => runCase(t, c))

t.test('nothing escaped to the host through a lower symlink', async (t) => {
  t.notOk(existsSync('/strata-canary'))
  t.notOk(existsSync('/strata-canary-dir'))
})
