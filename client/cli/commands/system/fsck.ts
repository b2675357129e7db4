/**
 * strata fsck [--repair]: recount references and check records against layer directories.
 * Exits 1 while a problem is left unrepaired.
 */
import type { Command } from 'commander'
import { action, type Cli } from '../../context.js'

export function registerFsck(parent: Command, cli: Cli): void {
  parent
    .command('fsck')
    .description('Check the store: refcounts, records and layer directories')
    .option('--repair', 'Fix what can be fixed safely (root only)')
    .option('--format <string>', 'json for the full result')
    .action(
      action(cli, async (client, o: { repair?: boolean; format?: string }) => {
        const r = await client.call('system.fsck', { repair: o.repair === true })
        if (o.format === 'json') cli.out(`${JSON.stringify(r)}\n`)
        else {
          for (const p of r.problems)
            cli.out(`${p.kind} ${p.subject}: ${p.message}${p.repaired ? ' (repaired)' : ''}\n`)
          const left = r.problems.filter((p) => !p.repaired).length
          cli.out(
            `checked ${r.checked.layers} layers, ${r.checked.images} images, ${r.checked.tags} tags, ` +
              `${r.checked.containers} containers: ` +
              `${r.problems.length} problems, ${r.problems.length - left} repaired\n`,
          )
        }
        if (r.problems.some((p) => !p.repaired)) process.exitCode = 1
      }),
    )
}
