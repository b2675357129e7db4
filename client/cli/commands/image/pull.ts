/** strata pull NAME[:TAG|@DIGEST]: an image from its registry (`docker pull`). */
import type { Command } from 'commander'
import { action, type Cli } from '../../context.js'

export function registerPull(parent: Command, cli: Cli): void {
  parent
    .command('pull')
    .description('Download an image from a registry')
    .argument('<name>', 'NAME[:TAG|@DIGEST]')
    .option('--platform <string>', 'os/arch[/variant] to pull from a multi-platform image')
    .option('-q, --quiet', 'Suppress verbose output')
    .action(
      action(cli, async (client, name: string, o: { platform?: string; quiet?: boolean }) => {
        const onEvent = (e: unknown) => {
          const ev = e as { status?: string }
          if (!o.quiet && ev.status) cli.out(`${ev.status}\n`)
        }
        const r = await client.call('image.pull', { ref: name, platform: o.platform }, { onEvent })
        if (o.quiet) cli.out(`${name}\n`)
        else if (!r.id) cli.out('\n')
      }),
    )
}
