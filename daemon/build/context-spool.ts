/**
 * The build context: the tar the client uploads, unpacked as it arrives into a directory of its
 * own under the data root's tmp/ (never held in memory), and removed after the build whatever
 * happened. The tar is hostile input: layers/apply-tar.ts normalizes every name (no `..`, no
 * absolute path) and never follows a symlink of the tar, so nothing lands outside the directory.
 * Errors: INVALID_ARGUMENT for a broken or hostile tar.
 * Tests: test/integration/image-build.test.ts, test/integration/image-build-context-memory.test.ts
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { invalidArgument } from '../errors.js'
import { applyTar } from '../layers/apply-tar.js'
import { DEFAULT_LIMITS } from '../layers/layer-store.js'
import type { Logger } from '../log.js'
import { TarError } from '../tar/tar-header.js'
import { SplitRecorder } from '../tar/tar-split.js'

export interface SpooledContext {
  /** The unpacked context: COPY and ADD read from here. */
  dir: string
  /** A scratch directory next to it (ADD unpacks archives there); scratch/empty stays empty. */
  scratch: string
  remove(): void
}

export async function spoolContext(
  root: string,
  upload: AsyncIterable<Uint8Array>,
  log: Logger,
): Promise<SpooledContext> {
  const base = mkdtempSync(join(root, 'tmp', 'build-'))
  const remove = () => {
    try {
      rmSync(base, { recursive: true, force: true })
    } catch (err) {
      log.error('cannot remove a build context', { path: base, err })
    }
  }
  try {
    const dir = join(base, 'context')
    mkdirSync(dir, { mode: 0o755 })
    mkdirSync(join(base, 'scratch', 'empty'), { recursive: true, mode: 0o700 })
    await applyTar(dir, upload, DEFAULT_LIMITS, new NoSplit())
    return { dir, scratch: join(base, 'scratch'), remove }
  } catch (err) {
    remove()
    if (err instanceof TarError) throw invalidArgument(`bad build context: ${err.message}`, { cause: err })
    throw err
  }
}

/** The context is never exported again: its tar's bytes need not be kept. */
export class NoSplit extends SplitRecorder {
  override raw(): void {}
  override file(): void {}
  override inline(): void {}
}
