/** strata image prune [-a] [-f] [--filter …]: remove unused images (`docker image prune`). */
import type { Command } from 'commander'
import { action, confirm, parseFilters, repeatable, type Cli } from '../../context.js'
import { humanSize } from '../../human.js'

const WARN_DANGLING = 'WARNING! This will remove all dangling images.'
const WARN_ALL = 'WARNING! This will remove all images without at least one container associated to them.'

export function registerImagePrune(parent: Command, cli: Cli): void {
  parent
    .command('prune')
    .description('Remove unused images')
    .option('-a, --all', 'Remove all unused images, not just dangling ones')
    .option('-f, --force', 'Do not prompt for confirmation')
    .option('--filter <filter>', 'Provide filter values (e.g. "until=<timestamp>", "label=k=v")', repeatable, [])
    .action(
      action(cli, async (client, o: { all?: boolean; force?: boolean; filter: string[] }) => {
        const filters = parseFilters(o.filter)
        if (!o.force && !(await confirm(`${o.all ? WARN_ALL : WARN_DANGLING}\nAre you sure you want to continue?`)))
          return
        const r = await client.call('image.prune', { all: o.all === true, filters })
        if (r.deleted.length) {
          cli.out('Deleted Images:\n')
          for (const e of r.deleted) cli.out('Untagged' in e ? `untagged: ${e.Untagged}\n` : `deleted: ${e.Deleted}\n`)
          cli.out('\n')
        }
        cli.out(`Total reclaimed space: ${humanSize(r.reclaimed)}\n`)
      }),
    )
}
