/**
 * strata system df [-v] [--format]: disk usage of images, containers and layers (`docker
 * system df`). The summary's sizes are bytes on disk, each shared layer counted once; the
 * per-image rows of -v are content sizes, as `images` shows them (and Docker's df -v).
 */
import type { Command } from 'commander'
import type { SystemDf, UsageRow } from '../../../protocol.js'
import { action, type Cli } from '../../context.js'
import { humanAgo, humanSize, shortId } from '../../human.js'
import { renderList } from '../../output.js'

const SUMMARY = 'table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}'
const SUMMARY_HEADERS = {
  Type: 'TYPE',
  TotalCount: 'TOTAL',
  Active: 'ACTIVE',
  Size: 'SIZE',
  Reclaimable: 'RECLAIMABLE',
}
const IMAGES =
  'table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}\t{{.SharedSize}}\t{{.UniqueSize}}\t{{.Containers}}'
const IMAGE_HEADERS = {
  Repository: 'REPOSITORY',
  Tag: 'TAG',
  ID: 'IMAGE ID',
  CreatedSince: 'CREATED',
  Size: 'SIZE',
  SharedSize: 'SHARED SIZE',
  UniqueSize: 'UNIQUE SIZE',
  Containers: 'CONTAINERS',
}

export function registerDf(parent: Command, cli: Cli): void {
  parent
    .command('df')
    .description('Show strata disk usage')
    .option('-v, --verbose', 'Show detailed information on space usage')
    .option('--format <string>', 'Format output using a Go template')
    .action(
      action(cli, async (client, o: { verbose?: boolean; format?: string }) => {
        const df = await client.call('system.df', {})
        if (o.verbose) return cli.out(verbose(df))
        const rows = (['Images', 'Containers', 'Layers'] as const).map((type) => summaryRow(type, df))
        cli.out(
          renderList({ rows, defaultFormat: SUMMARY, headers: SUMMARY_HEADERS, id: (r) => r.Type, format: o.format }),
        )
      }),
    )
}

function summaryRow(type: 'Images' | 'Containers' | 'Layers', df: SystemDf) {
  const r: UsageRow = df[type.toLowerCase() as 'images' | 'containers' | 'layers']
  const pct = r.size ? ` (${Math.round((100 * r.reclaimable) / r.size)}%)` : ''
  return {
    Type: type,
    TotalCount: String(r.total),
    Active: String(r.active),
    Size: humanSize(r.size),
    Reclaimable: `${humanSize(r.reclaimable)}${pct}`,
  }
}

function verbose(df: SystemDf): string {
  const rows = df.imageDetails.flatMap((i) => {
    const names = i.repoTags.length ? i.repoTags : ['<none>:<none>']
    return names.map((n) => {
      const colon = n.lastIndexOf(':')
      return {
        Repository: n.slice(0, colon),
        Tag: n.slice(colon + 1),
        ID: shortId(i.id),
        CreatedSince: humanAgo(i.created),
        Size: humanSize(i.size),
        SharedSize: humanSize(i.sharedSize),
        UniqueSize: humanSize(i.uniqueSize),
        Containers: String(i.containers),
      }
    })
  })
  const images = renderList({ rows, defaultFormat: IMAGES, headers: IMAGE_HEADERS, id: (r) => r.ID })
  const l = df.layers
  return (
    `Images space usage:\n\n${images}\n` +
    `Layers space usage:\n\n${l.total} layers, ${l.active} used by images, ${humanSize(l.size)} on disk, ` +
    `${humanSize(l.reclaimable)} reclaimable\n`
  )
}
