/** strata push NAME[:TAG]: an image to its registry (`docker push`), a line per layer. */
import type { Command } from 'commander'
import { action, type Cli } from '../../context.js'
import type { ProgressEvent } from '../../../protocol.js'
import { isItemEvent, Progress } from '../../progress.js'
import { authFor } from '../../registry-auth.js'

export function registerPush(parent: Command, cli: Cli): void {
  parent
    .command('push')
    .description('Upload an image to a registry')
    .argument('<name>', 'NAME[:TAG]')
    .option('-q, --quiet', 'Suppress verbose output')
    .action(
      action(cli, async (client, name: string, o: { quiet?: boolean }) => {
        const progress = new Progress(process.stdout)
        const onEvent = (e: ProgressEvent) => {
          if (!o.quiet && isItemEvent(e)) progress.update(e)
        }
        const r = await client.call('image.push', { ref: name, auth: authFor(name) }, { onEvent })
        cli.out(`${name}: digest: ${r.digest}\n`)
      }),
    )
}
