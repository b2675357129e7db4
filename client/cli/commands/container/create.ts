/** strata create IMAGE [--name N]: a container (a writable layer on the image); prints its ID. */
import type { Command } from 'commander'
import { action, type Cli } from '../../context.js'

export function registerCreate(parent: Command, cli: Cli): void {
  parent
    .command('create')
    .description('Create a new container: a writable layer on an image')
    .argument('<image>', 'image reference or ID')
    .option('--name <string>', 'Assign a name to the container')
    .action(
      action(cli, async (client, image: string, o: { name?: string }) => {
        const r = await client.call('container.create', { image, name: o.name })
        cli.out(`${r.id}\n`)
      }),
    )
}
