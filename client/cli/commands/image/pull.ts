/** strata pull NAME[:TAG|@DIGEST]: an image from its registry (`docker pull`), a progress line per layer. */
import type { Command } from 'commander'
import { action, type Cli } from '../../context.js'
import type { ProgressEvent } from '../../../protocol.js'
import { isItemEvent, Progress } from '../../progress.js'
import { authFor } from '../../registry-auth.js'

export function registerPull(parent: Command, cli: Cli): void {
  parent
    .command('pull')
    .description('Download an image from a registry')
    .argument('<name>', 'NAME[:TAG|@DIGEST]')
    .option('--platform <string>', 'os/arch[/variant] to pull from a multi-platform image')
    .option('-q, --quiet', 'Suppress verbose output')
    .action(
      action(cli, async (client, name: string, o: { platform?: string; quiet?: boolean }) => {
        const progress = new Progress(process.stdout)
        const onEvent = (e: ProgressEvent) => {
          if (o.quiet) return
          if (isItemEvent(e) && e.status) progress.update(e)
          else if (e.status) cli.out(`${e.status}\n`)
        }
        await client.call('image.pull', { ref: name, platform: o.platform, auth: authFor(name) }, { onEvent })
        if (o.quiet) cli.out(`${name}\n`)
      }),
    )
}
