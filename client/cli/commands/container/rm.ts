/** strata rm CONTAINER...: remove containers (`docker rm`); -f unmounts a mounted one first. */
import type { Command } from 'commander'
import { action, eachReported, type Cli } from '../../context.js'

export function registerContainerRm(parent: Command, cli: Cli): void {
  parent
    .command('rm')
    .alias('remove')
    .description('Remove one or more containers')
    .argument('<container...>', 'names or IDs')
    .option('-f, --force', 'Unmount a mounted container first')
    .action(
      action(cli, async (client, containers: string[], o: { force?: boolean }) => {
        await eachReported(containers, async (container) => {
          await client.call('container.remove', { container, force: o.force === true })
          cli.out(`${container}\n`)
        })
      }),
    )
}
