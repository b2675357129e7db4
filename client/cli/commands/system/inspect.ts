/**
 * strata inspect NAME…: containers and images (`docker inspect`). Without --type a name is looked
 * up as a container first, then as an image, as Docker does; "No such object" when it is neither.
 */
import type { Command } from 'commander'
import { StrataError } from '../../../protocol.js'
import type { StrataClient } from '../../../client.js'
import { action, UsageError, type Cli } from '../../context.js'
import { inspectEach, orNotFound } from '../../inspect.js'

type Kind = 'container' | 'image'

export function registerInspect(parent: Command, cli: Cli): void {
  parent
    .command('inspect')
    .description('Return low-level information on containers and images')
    .argument('<name...>', 'container names or IDs, image references or IDs')
    .option('-f, --format <string>', 'Format output using a Go template')
    .option('-s, --size', 'Display total file sizes if the type is container')
    .option('--type <string>', 'Only inspect objects of the given type (container or image)')
    .action(
      action(cli, async (client, names: string[], o: { format?: string; size?: boolean; type?: string }) => {
        if (o.type !== undefined && o.type !== 'container' && o.type !== 'image')
          throw new UsageError(`"${o.type}" is not a valid value for --type`)
        const kinds: Kind[] = o.type ? [o.type] : ['container', 'image']
        const size = o.size === true
        await inspectEach(cli, client, names, (c, name) => lookup(c, name, kinds, size), o.format)
      }),
    )
}

async function lookup(client: StrataClient, name: string, kinds: Kind[], size: boolean): Promise<unknown> {
  if (kinds.length === 1) return orNotFound(call(client, name, kinds[0] as Kind, size), name)
  for (const kind of kinds) {
    try {
      return await call(client, name, kind, size)
    } catch (err) {
      if (!(err instanceof StrataError && err.code === 'NOT_FOUND')) throw err
    }
  }
  throw new StrataError('NOT_FOUND', `No such object: ${name}`)
}

const call = (client: StrataClient, name: string, kind: Kind, size: boolean) =>
  kind === 'container'
    ? client.call('container.inspect', { container: name, size })
    : client.call('image.inspect', { image: name })
