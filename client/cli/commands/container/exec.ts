/**
 * strata exec [-i] [-t] [-e K=V] [-w DIR] [-u USER] CONTAINER COMMAND [ARG...]: run a command in a
 * running container (`docker exec`); its output streams here and the exit status is the command's
 * (126/127 when it could not run). -i sends this CLI's stdin to it (its end is the command's EOF),
 * -t gives it a terminal (attach-io.ts); without -i its stdin is empty.
 */
import type { Command } from 'commander'
import { attachIo, canAttach, type AttachFlags } from '../../attach-io.js'
import { action, repeatable, type Cli } from '../../context.js'
import { demultiplexer } from '../../output-frames.js'
import { stopOptionsAtFirstArgument } from './run.js'

interface Flags extends AttachFlags {
  env: string[]
  workdir?: string
  user?: string
}

export function registerExec(parent: Command, cli: Cli): void {
  const cmd = parent
    .command('exec')
    .description('Execute a command in a running container')
    .argument('<container>', 'name or ID')
    .argument('<command...>', 'command and arguments')
    .option('-e, --env <K=V>', 'Set environment variables', repeatable, [])
    .option('-w, --workdir <dir>', 'Working directory inside the container')
    .option('-u, --user <user>', 'Username or UID (format: <name|uid>[:<group|gid>])')
    .option('-i, --interactive', 'Keep STDIN open even if not attached')
    .option('-t, --tty', 'Allocate a pseudo-TTY')
  stopOptionsAtFirstArgument(cmd)
  cmd.action(
    action(cli, async (client, container: string, command: string[], o: Flags) => {
      if (!canAttach(o)) return
      const io = attachIo(o)
      try {
        const r = await client.call(
          'container.exec',
          {
            container,
            cmd: command,
            env: o.env,
            ...(o.workdir ? { workdir: o.workdir } : {}),
            ...(o.user ? { user: o.user } : {}),
            interactive: o.interactive === true,
            tty: o.tty === true,
            ...(io.consoleSize ? { consoleSize: io.consoleSize } : {}),
          },
          { download: demultiplexer(), ...io.upload },
        )
        io.close()
        if (r.error) process.stderr.write(`strata: Error response from daemon: ${r.error}\n`)
        process.exitCode = r.exitCode
      } finally {
        io.close()
      }
    }),
  )
}
