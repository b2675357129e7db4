/** strata image mount IMAGE [PATH] / image unmount IMAGE: a read-only view of an image (counted). */
import type { Command } from 'commander'
import { action, type Cli } from '../../context.js'

export function registerImageMount(parent: Command, cli: Cli): void {
  parent
    .command('mount')
    .description("Mount an image's layers read-only and print the path")
    .argument('<image>', 'image reference or ID')
    .argument('[path]', 'where to mount it (root only); default under the data root')
    .action(
      action(cli, async (client, image: string, target: string | undefined) => {
        cli.out(`${(await client.call('image.mount', { image, target })).path}\n`)
      }),
    )
  parent
    .command('unmount')
    .alias('umount')
    .description("Release an image's mount (unmounted when the last holder releases it)")
    .argument('<image>', 'image reference or ID')
    .option('-f, --force', 'Unmount now, whatever the count')
    .action(
      action(cli, async (client, image: string, o: { force?: boolean }) => {
        await client.call('image.unmount', { image, force: o.force === true })
      }),
    )
}
