/** strata export [-o FILE] CONTAINER: its filesystem as a tar (`docker export`). */
import type { Command } from 'commander'
import { action, type Cli } from '../../context.js'
import { download } from '../../download.js'

export function registerExport(parent: Command, cli: Cli): void {
  parent
    .command('export')
    .description("Export a container's filesystem as a tar archive")
    .argument('<container>', 'name or ID')
    .option('-o, --output <file>', 'Write to a file, instead of STDOUT')
    .action(
      action(cli, async (client, container: string, o: { output?: string }) => {
        await download(o.output, (sink) => client.call('container.export', { container }, { download: sink }))
      }),
    )
}
