/**
 * Scratch directories for tests: made under the system temp dir (the same filesystem as the
 * layer fixtures, so renames and overlay mounts work), removed at teardown (by rm(1) when a
 * tree is deeper than a path Node can name: rm walks by descriptors).
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir as systemTmp } from 'node:os'
import { join } from 'node:path'

interface Teardown {
  teardown(fn: () => void | Promise<void>): void
}

export function tmpdir(t: Teardown, prefix = 'strata-test-'): string {
  const dir = mkdtempSync(join(systemTmp(), prefix))
  t.teardown(() => {
    try {
      rmSync(dir, { recursive: true, force: true })
    } catch (err) {
      if ((err as { code?: string }).code !== 'ENAMETOOLONG') throw err
      execFileSync('rm', ['-rf', '--one-file-system', dir])
    }
  })
  return dir
}
