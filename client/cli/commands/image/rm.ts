/** strata rmi / image rm: untag, or delete images and the layers nothing else uses (`docker rmi`). */
import type { Command } from 'commander'
import { action, eachReported, type Cli } from '../../context.js'

export function registerImageRm(parent: Command, cli: Cli, name: 'rmi' | 'rm'): void {
  const cmd = parent.command(name).description('Remove one or more images')
  if (name === 'rm') cmd.alias('remove')
  cmd
    .argument('<image...>', 'image references or IDs')
    .option('-f, --force', 'Force removal of the image (untags its other references)')
    .option('--no-prune', 'Do not delete untagged parents')
    .action(
      action(cli, async (client, images: string[], o: { force?: boolean; prune: boolean }) => {
        await eachReported(images, async (image) => {
          const events = await client.call('image.remove', { image, force: o.force === true, noPrune: !o.prune })
          for (const e of events) cli.out('Untagged' in e ? `Untagged: ${e.Untagged}\n` : `Deleted: ${e.Deleted}\n`)
        })
      }),
    )
}
