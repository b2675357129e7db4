/** strata wait CONTAINER...: block until each container's process ends, then print its exit code (`docker wait`). */
import type { Command } from 'commander'
import { action, eachReported, type Cli } from '../../context.js'

export function registerWait(parent: Command, cli: Cli): void {
  parent
    .command('wait')
    .description('Block until one or more containers stop, then print their exit codes')
    .argument('<container...>', 'names or IDs')
    .action(
      action(cli, async (client, containers: string[]) => {
        await eachReported(containers, async (container) => {
          cli.out(`${(await client.call('container.wait', { container })).exitCode}\n`)
        })
      }),
    )
}
