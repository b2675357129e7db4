/**
 * `docker diff` of a leased container: A/C/D of upper/ against its image's layers
 * (diff/changes.ts), from the paths its mount worker journaled when the journal is usable, else
 * by walking upper/.
 * Tests: test/integration/containers.test.ts, test/integration/diff-recreated-dir.test.ts
 */
import type { ContainerChange } from '../../client/protocol.js'
import { changesOf } from '../diff/changes.js'
import { readJournal } from '../diff/journal.js'
import type { LeasedContainer } from './lease.js'

export function containerChanges(c: LeasedContainer): ContainerChange[] {
  return changesOf(c.paths.upper, c.layers, 'trusted', readJournal(c.paths.journal))
}
