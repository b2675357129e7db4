/**
 * strata exec [-e K=V] [-w DIR] [-u USER] CONTAINER COMMAND [ARG...]: run a command in a running
 * container (`docker exec`); its output streams here and the exit status is the command's
 * (126/127 when it could not run). Without -i/-t: stdin is not forwarded and there is no terminal.
 */
import type { Command } from 'commander'
import { action, repeatable, type Cli } from '../../context.js'
import { demultiplexer } from '../../output-frames.js'
import { stopOptionsAtFirstArgument } from './run.js'

export function registerExec(parent: Command, cli: Cli): void {
  const cmd = parent
    .command('exec')
    .description('Execute a command in a running container')
    .argument('<container>', 'name or ID')
    .argument('<command...>', 'command and arguments')
    .option('-e, --env <K=V>', 'Set environment variables', repeatable, [])
    .option('-w, --workdir <dir>', 'Working directory inside the container')
    .option('-u, --user <user>', 'Username or UID (format: <name|uid>[:<group|gid>])')
  stopOptionsAtFirstArgument(cmd)
  cmd.action(
    action(
      cli,
      async (client, container: string, command: string[], o: { env: string[]; workdir?: string; user?: string }) => {
        const r = await client.call(
          'container.exec',
          {
            container,
            cmd: command,
            env: o.env,
            ...(o.workdir ? { workdir: o.workdir } : {}),
            ...(o.user ? { user: o.user } : {}),
          },
          { download: demultiplexer() },
        )
        if (r.error) process.stderr.write(`strata: Error response from daemon: ${r.error}\n`)
        process.exitCode = r.exitCode
      },
    ),
  )
}
