/**
 * Scratch directories for tests: made under the system temp dir (the same filesystem as the
 * layer fixtures, so renames and overlay mounts work), removed at teardown.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir as systemTmp } from 'node:os'
import { join } from 'node:path'

interface Teardown {
  teardown(fn: () => void | Promise<void>): void
}

export function tmpdir(t: Teardown, prefix = 'strata-test-'): string {
  const dir = mkdtempSync(join(systemTmp(), prefix))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}
