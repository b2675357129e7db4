/**
 * The union suite through a real strata-overlay mount: kernel overlayfs and strata-overlay over
 * copies of the same layers, the same operations through both mounts, then result codes, merged
 * views and upper directories compared; plus random sequences the same way.
 */
import t from 'tap'
import { runSeeds } from '../suites/random.js'
import { cases, runCase } from '../suites/union.js'

process.umask(0)

for (const c of cases) t.test(c.name, (t) => runCase(t, c, 'fuse'))

t.test('random sequences through the FUSE mount', (t) =>
  runSeeds(t, 100_001, Number(process.env.STRATA_FUSE_RANDOM_SEQUENCES ?? 200), 'fuse'),
)
