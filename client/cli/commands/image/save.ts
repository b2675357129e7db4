/**
 * strata save [-o FILE] IMAGE...: images as one tar, docker-archive and OCI layout at once
 * (`docker save`). With -o the file appears only once it is complete.
 */
import type { Command } from 'commander'
import { action, type Cli } from '../../context.js'
import { download } from '../../download.js'

export function registerSave(parent: Command, cli: Cli): void {
  parent
    .command('save')
    .description('Save one or more images to a tar archive (streamed to STDOUT by default)')
    .argument('<image...>', 'images by name, name:tag or ID')
    .option('-o, --output <file>', 'Write to a file, instead of STDOUT')
    .action(
      action(cli, async (client, images: string[], opts: { output?: string }) => {
        await download(opts.output, (sink) => client.call('image.save', { images }, { download: sink }))
      }),
    )
}
