/** strata commit CONTAINER [REPO[:TAG]]: a new image from the container's changes (`docker commit`). */
import type { Command } from 'commander'
import { action, repeatable, type Cli } from '../../context.js'
import { parseBool } from '../../docker-flags.js'

export function registerCommit(parent: Command, cli: Cli): void {
  parent
    .command('commit')
    .description("Create a new image from a container's changes")
    .argument('<container>', 'name or ID')
    .argument('[reference]', 'REPOSITORY[:TAG] for the new image')
    .option('-a, --author <string>', 'Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")')
    .option('-m, --message <string>', 'Commit message')
    .option('-c, --change <instruction>', 'Apply Dockerfile instruction to the created image', repeatable, [])
    .option('-p, --pause [bool]', 'Pause a mounted container during commit', parseBool, true)
    .action(
      action(
        cli,
        async (
          client,
          container: string,
          ref: string | undefined,
          o: { author?: string; message?: string; change: string[]; pause: boolean },
        ) => {
          const r = await client.call('container.commit', {
            container,
            ref,
            author: o.author,
            message: o.message,
            changes: o.change,
            pause: o.pause,
          })
          cli.out(`${r.id}\n`)
        },
      ),
    )
}
