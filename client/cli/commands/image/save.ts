/**
 * strata save [-o FILE] IMAGE...: images as one tar, docker-archive and OCI layout at once
 * (`docker save`). With -o the file appears only once it is complete.
 */
import { createWriteStream, renameSync, rmSync } from 'node:fs'
import type { Writable } from 'node:stream'
import type { Command } from 'commander'
import { action, UsageError, type Cli } from '../../context.js'

export function registerSave(parent: Command, cli: Cli): void {
  parent
    .command('save')
    .description('Save one or more images to a tar archive (streamed to STDOUT by default)')
    .argument('<image...>', 'images by name, name:tag or ID')
    .option('-o, --output <file>', 'Write to a file, instead of STDOUT')
    .action(
      action(cli, async (client, images: string[], opts: { output?: string }) => {
        if (!opts.output) {
          if (process.stdout.isTTY)
            throw new UsageError('cowardly refusing to save to a terminal. Use the -o flag or redirect')
          await client.call('image.save', { images }, { download: process.stdout })
          return
        }
        const partial = `${opts.output}.partial-${process.pid}`
        try {
          const file = createWriteStream(partial, { mode: 0o600 })
          await client.call('image.save', { images }, { download: file })
          await closed(file)
          renameSync(partial, opts.output)
        } finally {
          rmSync(partial, { force: true })
        }
      }),
    )
}

function closed(w: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    w.once('error', reject)
    w.end(() => resolve())
  })
}
