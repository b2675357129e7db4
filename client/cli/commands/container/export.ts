/** strata export [-o FILE] CONTAINER: its filesystem as a tar (`docker export`). */
import { createWriteStream, renameSync, rmSync } from 'node:fs'
import type { Command } from 'commander'
import { action, UsageError, type Cli } from '../../context.js'

export function registerExport(parent: Command, cli: Cli): void {
  parent
    .command('export')
    .description("Export a container's filesystem as a tar archive")
    .argument('<container>', 'name or ID')
    .option('-o, --output <file>', 'Write to a file, instead of STDOUT')
    .action(
      action(cli, async (client, container: string, o: { output?: string }) => {
        if (!o.output) {
          if (process.stdout.isTTY)
            throw new UsageError('cowardly refusing to save to a terminal. Use the -o flag or redirect')
          await client.call('container.export', { container }, { download: process.stdout })
          return
        }
        const partial = `${o.output}.partial-${process.pid}`
        try {
          const file = createWriteStream(partial, { mode: 0o600 })
          await client.call('container.export', { container }, { download: file })
          await new Promise<void>((resolve, reject) => file.once('error', reject).end(() => resolve()))
          renameSync(partial, o.output)
        } finally {
          rmSync(partial, { force: true })
        }
      }),
    )
}
