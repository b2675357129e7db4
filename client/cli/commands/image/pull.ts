/**
 * strata pull NAME[:TAG|@DIGEST]: an image from its registry, printed as `docker pull` prints it:
 * `Using default tag: latest` for a name only, the daemon's lines (progress.ts), then the full
 * reference; with -q only that reference.
 */
import type { Command } from 'commander'
import { action, type Cli } from '../../context.js'
import { Progress } from '../../progress.js'
import { fullReference, isNameOnly } from '../../reference-name.js'
import { authFor } from '../../registry-auth.js'

export function registerPull(parent: Command, cli: Cli): void {
  parent
    .command('pull')
    .description('Download an image from a registry')
    .argument('<name>', 'NAME[:TAG|@DIGEST]')
    .option('--platform <string>', 'os/arch[/variant] to pull from a multi-platform image')
    .option('-q, --quiet', 'Suppress verbose output')
    .action(
      action(cli, async (client, name: string, o: { platform?: string; quiet?: boolean }) => {
        if (!o.quiet && isNameOnly(name)) cli.out('Using default tag: latest\n')
        const progress = new Progress(process.stdout)
        await client.call(
          'image.pull',
          { ref: name, platform: o.platform, auth: authFor(name) },
          { onEvent: (e) => (o.quiet ? undefined : progress.update(e)) },
        )
        cli.out(`${fullReference(name)}
`)
      }),
    )
}
