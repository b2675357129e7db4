/** strata image inspect: Docker's JSON for images, as an array, or through --format. */
import type { Command } from 'commander'
import { action, type Cli } from '../../context.js'
import { inspectEach, orNotFound } from '../../inspect.js'

export function registerImageInspect(parent: Command, cli: Cli): void {
  parent
    .command('inspect')
    .description('Display detailed information on one or more images')
    .argument('<image...>', 'image references or IDs')
    .option('-f, --format <string>', 'Format output using a Go template')
    .action(
      action(cli, async (client, images: string[], o: { format?: string }) =>
        inspectEach(cli, client, images, (c, image) => orNotFound(c.call('image.inspect', { image }), image), o.format),
      ),
    )
}
