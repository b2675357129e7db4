/** strata container inspect: Docker's JSON for containers (Id, Name, State, GraphDriver, …), or through --format. */
import type { Command } from 'commander'
import { action, type Cli } from '../../context.js'
import { inspectEach, orNotFound } from '../../inspect.js'

export function registerContainerInspect(parent: Command, cli: Cli): void {
  parent
    .command('inspect')
    .description('Display detailed information on one or more containers')
    .argument('<container...>', 'names or IDs')
    .option('-f, --format <string>', 'Format output using a Go template')
    .option('-s, --size', 'Display total file sizes')
    .action(
      action(cli, async (client, names: string[], o: { format?: string; size?: boolean }) =>
        inspectEach(
          cli,
          client,
          names,
          (c, container) => orNotFound(c.call('container.inspect', { container, size: o.size === true }), container),
          o.format,
        ),
      ),
    )
}
