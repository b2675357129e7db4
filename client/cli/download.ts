/**
 * Where a command's downloaded tar goes (save, export): stdout, never a terminal; or with -o a
 * file that appears under its name only once it is complete, as a partial file is worse than none.
 */
import { createWriteStream, renameSync, rmSync } from 'node:fs'
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
  try {
    const file = createWriteStream(partial, { mode: 0o600 })
    await run(file)
    await new Promise<void>((resolve, reject) => file.once('error', reject).end(() => resolve()))
    renameSync(partial, output)
  } finally {
    rmSync(partial, { force: true })
  }
}
