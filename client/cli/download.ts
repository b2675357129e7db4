/**
 * Where a command's downloaded tar goes (save, export): stdout, never a terminal; or with -o a
 * file that appears under its name only once it is complete, as a partial file is worse than none.
 * The partial file is opened before the download starts, so a download that fails at once (no such
 * image) cannot see its removal run before the stream's own open made the file.
 * Tests: test/integration/image-archive.test.ts
 */
import { createWriteStream, openSync, renameSync, rmSync } from 'node:fs'
import type { Writable } from 'node:stream'
import { UsageError } from './context.js'

export async function download(output: string | undefined, run: (sink: Writable) => Promise<unknown>): Promise<void> {
  if (!output) {
    if (process.stdout.isTTY)
      throw new UsageError('cowardly refusing to save to a terminal. Use the -o flag or redirect')
    await run(process.stdout)
    return
  }
  const partial = `${output}.partial-${process.pid}`
  const file = createWriteStream(partial, { fd: openSync(partial, 'w', 0o600) })
  try {
    await run(file)
    await new Promise<void>((resolve, reject) => file.once('error', reject).end(() => resolve()))
    renameSync(partial, output)
  } finally {
    file.destroy()
    rmSync(partial, { force: true })
  }
}
