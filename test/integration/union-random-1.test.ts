/**
 * Seeded random sequences against kernel overlayfs, shard 1 of 2 (test/suites/random.ts).
 * STRATA_RANDOM_SEQUENCES sets the total (default 2000; npm run test:random-nightly runs 20000).
 */
import t from 'tap'
import { runSeeds } from '../suites/random.js'

process.umask(0)
const total = Number(process.env.STRATA_RANDOM_SEQUENCES ?? 2000)
const half = Math.ceil(total / 2)
t.test('random sequences', (t) => runSeeds(t, 1 + 1 * half, half))
