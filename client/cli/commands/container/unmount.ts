/** strata unmount CONTAINER...: releases a mount; the last release unmounts (-f: all at once). */
import type { Command } from 'commander'
import { action, eachReported, type Cli } from '../../context.js'

export function registerUnmount(parent: Command, cli: Cli): void {
  parent
    .command('unmount')
    .alias('umount')
    .description("Release a container's mount (unmounted when the last holder releases it)")
    .argument('<container...>', 'names or IDs')
    .option('-f, --force', 'Unmount now, whatever the count, even when busy (lazy); never a running container')
    .action(
      action(cli, async (client, containers: string[], o: { force?: boolean }) => {
        await eachReported(containers, async (container) => {
          await client.call('container.unmount', { container, force: o.force === true })
          cli.out(`${container}\n`)
        })
      }),
    )
}
