/** strata diff CONTAINER: A/C/D lines of what changed against its image (`docker diff`). */
import type { Command } from 'commander'
import { action, type Cli } from '../../context.js'

export function registerDiff(parent: Command, cli: Cli): void {
  parent
    .command('diff')
    .description("Inspect changes to files or directories on a container's filesystem")
    .argument('<container>', 'name or ID')
    .action(
      action(cli, async (client, container: string) => {
        for (const ch of await client.call('container.diff', { container })) cli.out(`${ch.kind} ${ch.path}\n`)
      }),
    )
}
