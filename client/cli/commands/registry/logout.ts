/** strata logout SERVER: forget a registry's credentials. */
import type { Command } from 'commander'
import { action, type Cli } from '../../context.js'

export function registerLogout(parent: Command, cli: Cli): void {
  parent
    .command('logout')
    .description('Log out from a registry')
    .argument('<server>', 'registry host[:port]')
    .action(
      action(cli, async (client, host: string) => {
        const r = await client.call('registry.logout', { host })
        cli.out(r.removed ? `Removing login credentials for ${host}\n` : `Not logged in to ${host}\n`)
      }),
    )
}
