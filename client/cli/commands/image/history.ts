/** strata history: an image's layers and the commands that made them (`docker history`). */
import type { Command } from 'commander'
import { action, type Cli } from '../../context.js'
import { parseBool } from '../../docker-flags.js'
import { humanAgo, humanSize, shortId } from '../../human.js'
import { renderList } from '../../output.js'

const DEFAULT = 'table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}'
const HEADERS = { ID: 'IMAGE', CreatedSince: 'CREATED', CreatedBy: 'CREATED BY', Size: 'SIZE', Comment: 'COMMENT' }

export function registerHistory(parent: Command, cli: Cli): void {
  parent
    .command('history')
    .description('Show the history of an image')
    .argument('<image>', 'image reference or ID')
    .option('-H, --human [bool]', 'Print sizes and dates in human readable format', parseBool, true)
    .option('-q, --quiet', 'Only show image IDs')
    .option('--no-trunc', "Don't truncate output")
    .option('--format <string>', 'Format output using a Go template')
    .action(
      action(
        cli,
        async (client, image: string, o: { human: boolean; quiet?: boolean; trunc: boolean; format?: string }) => {
          const items = await client.call('image.history', { image })
          const rows = items.map((h) => ({
            ID: h.id === '<missing>' || !o.trunc ? h.id : shortId(h.id),
            CreatedSince: o.human ? humanAgo(h.created) : h.created,
            CreatedAt: h.created,
            CreatedBy: !o.trunc || h.createdBy.length <= 45 ? h.createdBy : `${h.createdBy.slice(0, 44)}…`,
            Size: o.human ? humanSize(h.size) : String(h.size),
            Comment: h.comment,
          }))
          cli.out(
            renderList({
              rows,
              defaultFormat: DEFAULT,
              headers: HEADERS,
              id: (r) => r.ID,
              quiet: o.quiet,
              format: o.format,
            }),
          )
        },
      ),
    )
}
