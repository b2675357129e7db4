/** strata overlay ls: the daemon's supervised mounts, as a table, IDs (-q) or --format. */
import type { Command } from 'commander'
import type { MountInfo } from '../../../protocol.js'
import { action, type Cli } from '../../context.js'
import { humanAgo, shortId } from '../../human.js'
import { renderList } from '../../output.js'

const DEFAULT_FORMAT = 'table {{.ID}}\t{{.State}}\t{{.PID}}\t{{.Layers}}\t{{.Created}}\t{{.Target}}'
const HEADERS = { ID: 'MOUNT ID', State: 'STATE', PID: 'PID', Layers: 'LAYERS', Created: 'CREATED', Target: 'TARGET' }

export function registerOverlayLs(parent: Command, cli: Cli): void {
  parent
    .command('ls')
    .alias('list')
    .description('List supervised mounts')
    .option('-q, --quiet', 'Only display mount IDs')
    .option('--no-trunc', "Don't truncate output")
    .option('--format <string>', 'Format output using a Go template ("json" for JSON)')
    .action(
      action(cli, async (client, opts: { quiet?: boolean; trunc: boolean; format?: string }) => {
        const mounts = await client.call('mount.list', {})
        const rows = mounts.map((m) => row(m, !opts.trunc))
        cli.out(renderList({ rows, defaultFormat: DEFAULT_FORMAT, headers: HEADERS, id: (r) => r.ID, ...opts }))
      }),
    )
}

function row(m: MountInfo, noTrunc: boolean) {
  return {
    ID: shortId(m.id, noTrunc),
    State: m.state === 'failed' ? `failed: ${m.error ?? ''}` : m.paused ? `${m.state} (paused)` : m.state,
    PID: m.pid === null ? '-' : String(m.pid),
    Layers: String(m.spec.lowerdirs.length + (m.spec.upperdir ? 1 : 0)),
    Created: humanAgo(m.createdAt),
    Target: m.target,
    Readonly: m.spec.readonly,
    Restarts: m.restarts,
  }
}
