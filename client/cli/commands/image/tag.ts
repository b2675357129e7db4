/** strata tag SOURCE TARGET: another name for an image (`docker tag`). */
import type { Command } from 'commander'
import { action, type Cli } from '../../context.js'

export function registerTag(parent: Command, cli: Cli): void {
  parent
    .command('tag')
    .description('Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE')
    .argument('<source>', 'SOURCE_IMAGE[:TAG] or image ID')
    .argument('<target>', 'TARGET_IMAGE[:TAG]')
    .action(
      action(cli, async (client, source: string, target: string) => {
        await client.call('image.tag', { source, target })
      }),
    )
}
