/**
 * strata ps / container ls: containers (`docker ps`). Without -a running ones and those mounted
 * without a process. STATUS as Docker's (`Up 3 seconds`, `Exited (0) 2 minutes ago`), or
 * `Mounted`/`Created` for one never run. -q, -s, --no-trunc, --format, --filter name= / ancestor= / id=.
 */
import type { Command } from 'commander'
import type { ContainerSummary } from '../../../protocol.js'
import { action, parseFilters, repeatable, type Cli } from '../../context.js'
import { humanAgo, humanDuration, humanSize, shortId } from '../../human.js'
import { renderList } from '../../output.js'

const HEADERS = {
  ID: 'CONTAINER ID',
  Image: 'IMAGE',
  Command: 'COMMAND',
  CreatedSince: 'CREATED',
  Status: 'STATUS',
  Size: 'SIZE',
  Names: 'NAMES',
  Mounts: 'MOUNTPOINT',
}

export function registerContainerLs(parent: Command, cli: Cli, name: 'ps' | 'ls'): void {
  const cmd = parent.command(name).description('List containers (mounted ones unless -a)')
  if (name === 'ls') cmd.alias('list').alias('ps')
  cmd
    .option('-a, --all', 'Show all containers (default shows just mounted)')
    .option('-q, --quiet', 'Only display container IDs')
    .option('-s, --size', 'Display total file sizes')
    .option('--no-trunc', "Don't truncate output")
    .option('-f, --filter <filter>', 'Filter output based on conditions provided', repeatable, [])
    .option('--format <string>', 'Format output using a Go template')
    .action(
      action(
        cli,
        async (
          client,
          o: { all?: boolean; quiet?: boolean; size?: boolean; trunc: boolean; filter: string[]; format?: string },
        ) => {
          const list = await client.call('container.list', {
            all: o.all === true,
            size: o.size === true,
            filters: parseFilters(o.filter),
          })
          const rows = list.map((c) => rowOf(c, o.trunc))
          const columns = `{{.ID}}\t{{.Image}}\t{{.Command}}\t{{.CreatedSince}}\t{{.Status}}${o.size ? '\t{{.Size}}' : ''}\t{{.Names}}`
          cli.out(
            renderList({
              rows,
              defaultFormat: `table ${columns}`,
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

function rowOf(c: ContainerSummary, trunc: boolean) {
  return {
    ID: trunc ? c.id.slice(0, 12) : c.id,
    Image: /^sha256:[0-9a-f]{64}$/.test(c.image) && trunc ? shortId(c.image) : c.image,
    ImageID: c.imageId,
    CreatedSince: humanAgo(c.created),
    CreatedAt: c.created,
    Command: c.command === undefined ? '' : `"${trunc ? ellipsis(c.command, 20) : c.command}"`,
    Status: statusOf(c),
    State: c.state,
    Mounts: c.mountpoint ?? '',
    Size: c.sizeRw === undefined ? '' : `${humanSize(c.sizeRw)} (virtual ${humanSize(c.sizeRw + (c.sizeRootFs ?? 0))})`,
    Names: c.name,
  }
}

function statusOf(c: ContainerSummary, now = Date.now()): string {
  const paused = c.paused ? ' (Paused)' : ''
  if (c.state === 'running' && c.startedAt) return `Up ${humanDuration(now - Date.parse(c.startedAt))}${paused}`
  if (c.state === 'exited')
    return `Exited (${c.exitCode ?? 0}) ${c.finishedAt ? humanAgo(c.finishedAt, now) : ''}`.trimEnd()
  return c.mountpoint ? `Mounted${paused}` : 'Created'
}

/** Docker's truncation: at most `n` characters, the last one an ellipsis when cut. */
const ellipsis = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s)
