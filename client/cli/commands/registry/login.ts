/**
 * strata login [-u USER] [-p PASS | --password-stdin] SERVER: the daemon checks the credentials
 * with the registry, then they are kept in this user's own config (registry-auth.ts), as
 * `docker login` keeps them; pull and push send them along.
 */
import type { Command } from 'commander'
import { action, UsageError, type Cli } from '../../context.js'
import { configPath, saveAuth } from '../../registry-auth.js'

export function registerLogin(parent: Command, cli: Cli): void {
  parent
    .command('login')
    .description("Log in to a registry (checked by the daemon, kept in this user's own config)")
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
          saveAuth(host, { username: o.username, password })
          process.stderr.write(`WARNING! Your password will be stored unencrypted in ${configPath()}.\n\n`)
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
