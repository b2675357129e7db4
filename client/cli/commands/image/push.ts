/** strata push NAME[:TAG]: an image to its registry (`docker push`). */
import type { Command } from 'commander'
import { action, type Cli } from '../../context.js'

export function registerPush(parent: Command, cli: Cli): void {
  parent
    .command('push')
    .description('Upload an image to a registry')
    .argument('<name>', 'NAME[:TAG]')
    .option('-q, --quiet', 'Suppress verbose output')
    .action(
      action(cli, async (client, name: string, o: { quiet?: boolean }) => {
        const onEvent = (e: unknown) => {
          const ev = e as { layer?: string; status?: string }
          if (!o.quiet && ev.layer)
            cli.out(`${ev.layer.slice(7, 19)}: ${ev.status === 'exists' ? 'Layer already exists' : 'Pushed'}\n`)
        }
        const r = await client.call('image.push', { ref: name }, { onEvent })
        cli.out(`digest: ${r.digest}\n`)
      }),
    )
}
