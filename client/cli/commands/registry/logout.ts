/**
 * strata logout SERVER: forget this user's own login for a registry (registry-auth.ts), as
 * `docker logout` does; no daemon is asked, and no other user's login is touched.
 */
import type { Command } from 'commander'
import { report, type Cli } from '../../context.js'
import { registryKey, removeAuth } from '../../registry-auth.js'

export function registerLogout(parent: Command, cli: Cli): void {
  parent
    .command('logout')
    .description('Log out from a registry')
    .argument('<server>', 'registry host[:port]')
    .action((server: string) => {
      try {
        const host = registryKey(server)
        cli.out(removeAuth(server) ? `Removing login credentials for ${host}\n` : `Not logged in to ${host}\n`)
      } catch (err) {
        process.exitCode = report(err)
      }
    })
}
