/** strata overlay rm (unmount): unmount supervised mounts by ID, ID prefix or target; -f detaches a busy one. */
import type { Command } from 'commander'
import { action, eachReported, type Cli } from '../../context.js'

export function registerOverlayRm(parent: Command, cli: Cli): void {
  parent
    .command('rm')
    .aliases(['unmount', 'umount'])
    .description('Unmount one or more supervised mounts')
    .option('-f, --force', 'Detach the mount even while it is in use (lazy unmount)')
    .argument('<mount...>', 'mount ID, ID prefix or target path')
    .action(
      action(cli, async (client, refs: string[], opts: { force?: boolean }) => {
        await eachReported(refs, async (ref) => {
          await client.call('mount.remove', { mount: ref, force: opts.force === true })
          cli.out(`${ref}\n`)
        })
      }),
    )
}
