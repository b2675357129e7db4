/** strata login [-u USER] [-p PASS | --password-stdin] SERVER: credentials for a registry. */
import type { Command } from 'commander'
import { action, UsageError, type Cli } from '../../context.js'

export function registerLogin(parent: Command, cli: Cli): void {
  parent
    .command('login')
    .description('Log in to a registry (the daemon checks and keeps the credentials, root-only)')
    .argument('<server>', 'registry host[:port]')
    .option('-u, --username <string>', 'Username')
    .option('-p, --password <string>', 'Password')
    .option('--password-stdin', 'Take the password from stdin')
    .action(
      action(
        cli,
        async (client, host: string, o: { username?: string; password?: string; passwordStdin?: boolean }) => {
          const password = o.passwordStdin ? (await readStdin()).replace(/\r?\n$/, '') : o.password
          if (!o.username || !password)
            throw new UsageError('login needs --username and --password or --password-stdin')
          if (o.password)
            process.stderr.write('WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n')
          const r = await client.call('registry.login', { host, username: o.username, password })
          cli.out(`${r.status}\n`)
        },
      ),
    )
}

async function readStdin(): Promise<string> {
  const parts: Buffer[] = []
  for await (const chunk of process.stdin) parts.push(chunk as Buffer)
  return Buffer.concat(parts).toString('utf8')
}
