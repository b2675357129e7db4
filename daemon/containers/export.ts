/**
 * `docker export` of a leased container: its merged filesystem (upper/ over its image's layers)
 * as one tar (diff/merged-tar.ts).
 * Tests: test/integration/containers.test.ts, test/integration/leases.test.ts
 */
import { mergedTar } from '../diff/merged-tar.js'
import type { LeasedContainer } from './lease.js'
import { atLeastOneLower } from './mount-spec.js'

export function containerTar(c: LeasedContainer): AsyncGenerator<Buffer> {
  return mergedTar(c.paths.upper, atLeastOneLower(c.layers, c.paths))
}
