/** strata layer why LAYER: what keeps a layer stored (its referrers and the images using it). */
import type { Command } from 'commander'
import { action, type Cli } from '../../context.js'
import { humanSize } from '../../human.js'
import { renderObject } from '../../output.js'

export function registerLayerWhy(parent: Command, cli: Cli): void {
  parent
    .command('why')
    .description('Show what keeps a layer: referrers and the images whose chain contains it')
    .argument('<layer>', 'chainID or diffID, in full or a unique prefix')
    .option('--format <string>', 'Format output using a Go template')
    .action(
      action(cli, async (client, layer: string, o: { format?: string }) => {
        const w = await client.call('layer.why', { layer })
        const named = (id: string, names: string[]) => (names.length ? `${id} (${names.join(', ')})` : id)
        cli.out(
          renderObject(w, o.format, () =>
            [
              `layer ${w.layer.chainId}`,
              `  diffID ${w.layer.diffId}, ${humanSize(w.layer.diskBytes)} on disk, refcount ${w.refcount}`,
              ...w.referrers.map((r) => `  referenced by ${r.kind} ${named(r.id, r.names)}`),
              ...w.images.map((i) => `  in the chain of image ${named(i.id, i.names)}`),
              '',
            ].join('\n'),
          ),
        )
      }),
    )
}
