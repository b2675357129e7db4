/**
 * strata push NAME[:TAG]: an image to its registry, printed as `docker push` prints it: `Using
 * default tag: latest` for a name only, then the daemon's lines (progress.ts) down to `TAG:
 * digest: … size: N`; with -q only the full reference.
 */
import type { Command } from 'commander'
import { action, type Cli } from '../../context.js'
import { Progress } from '../../progress.js'
import { fullReference, isNameOnly } from '../../reference-name.js'
import { authFor } from '../../registry-auth.js'

export function registerPush(parent: Command, cli: Cli): void {
  parent
    .command('push')
    .description('Upload an image to a registry')
    .argument('<name>', 'NAME[:TAG]')
    .option('-q, --quiet', 'Suppress verbose output')
    .action(
      action(cli, async (client, name: string, o: { quiet?: boolean }) => {
        if (!o.quiet && isNameOnly(name)) cli.out('Using default tag: latest\n')
        const progress = new Progress(process.stdout)
        await client.call(
          'image.push',
          { ref: name, auth: authFor(name) },
          { onEvent: (e) => (o.quiet ? undefined : progress.update(e)) },
        )
        if (o.quiet)
          cli.out(`${fullReference(name)}
`)
      }),
    )
}
