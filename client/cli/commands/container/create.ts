/**
 * strata create [OPTIONS] IMAGE [COMMAND] [ARG...]: a container (a writable layer on the image),
 * with the process `start` will run (`docker create`: the flags of run-options.ts, and --rm);
 * prints its ID. Options are read up to IMAGE only, as run's.
 */
import type { Command } from 'commander'
import { action, type Cli } from '../../context.js'
import { addRunFlags, runOptions, type RunFlags } from './run-options.js'
import { stopOptionsAtFirstArgument } from './run.js'

export function registerCreate(parent: Command, cli: Cli): void {
  const cmd = addRunFlags(
    parent
      .command('create')
      .description('Create a new container: a writable layer on an image')
      .argument('<image>', 'image reference or ID')
      .argument('[command...]', 'command and arguments for its start (default: the image’s)')
      .option('--name <string>', 'Assign a name to the container')
      .option('--rm', 'Automatically remove the container when its process exits'),
  )
  stopOptionsAtFirstArgument(cmd)
  cmd.action(
    action(cli, async (client, image: string, command: string[], o: RunFlags & { name?: string; rm?: boolean }) => {
      const r = await client.call('container.create', {
        image,
        name: o.name,
        ...runOptions(o, command),
        autoRemove: o.rm === true,
      })
      cli.out(`${r.id}\n`)
    }),
  )
}
