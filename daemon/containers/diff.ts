/**
 * `docker diff` of a leased container: A/C/D of upper/ against its image's layers
 * (diff/changes.ts), from the paths its mount worker journaled when the journal is usable, else
 * by walking upper/. The RPC's strings are UTF-8 (msgpack): a byte of a path that is not UTF-8 is
 * sent as U+FFFD, as Docker's JSON API sends it (the exact bytes: diff/changes.ts).
 * Tests: test/integration/names-daemon.test.ts, test/integration/containers.test.ts, test/integration/diff-recreated-dir.test.ts
 */
import type { ContainerChange } from '../../client/protocol.js'
import { changesOf } from '../diff/changes.js'
import { readJournal } from '../diff/journal.js'
import { shownName } from '../overlay/names.js'
import type { LeasedContainer } from './lease.js'

export function containerChanges(c: LeasedContainer): ContainerChange[] {
  const changes = changesOf(c.paths.upper, c.layers, 'trusted', readJournal(c.paths.journal))
  return changes.map((ch) => ({ ...ch, path: shownName(ch.path) }))
}
