/**
 * strata logs [-f] CONTAINER: what the container's process wrote, to this stdout and stderr
 * (`docker logs`); -f follows until the process ends.
 */
import type { Command } from 'commander'
import { action, type Cli } from '../../context.js'
import { demultiplexer } from '../../output-frames.js'

export function registerLogs(parent: Command, cli: Cli): void {
  parent
    .command('logs')
    .description('Fetch the logs of a container')
    .argument('<container>', 'name or ID')
    .option('-f, --follow', 'Follow log output')
    .action(
      action(cli, async (client, container: string, o: { follow?: boolean }) => {
        await client.call('container.logs', { container, follow: o.follow === true }, { download: demultiplexer() })
      }),
    )
}
