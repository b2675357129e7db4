/** strata mount CONTAINER [PATH]: its root filesystem read-write; prints where (counted). */
import type { Command } from 'commander'
import { action, type Cli } from '../../context.js'

export function registerMount(parent: Command, cli: Cli): void {
  parent
    .command('mount')
    .description("Mount a container's root filesystem (read-write) and print the path")
    .argument('<container>', 'name or ID')
    .argument('[path]', 'where to mount it (root only); default under the data root')
    .action(
      action(cli, async (client, container: string, target: string | undefined) => {
        cli.out(`${(await client.call('container.mount', { container, target })).path}\n`)
      }),
    )
}
