/**
 * strata run [OPTIONS] IMAGE [COMMAND] [ARG...]: create, mount and start a container (`docker
 * run`). In the foreground its stdout and stderr stream here and the exit status is the
 * process's (125 when the daemon refused, 126/127 when the command could not run, as Docker);
 * with -d the container's ID is printed and its output goes to its log (`strata logs`). In the
 * foreground, signals to this CLI go to the process (signal-proxy.ts), except with -t. -i sends
 * this CLI's stdin to the process, -t gives it a terminal (attach-io.ts).
 * Options are read up to IMAGE only: what follows is the command, flags and all.
 */
import type { Command } from 'commander'
import { DaemonError } from '../../../client.js'
import { action, type Cli } from '../../context.js'
import { demultiplexer } from '../../output-frames.js'
import { attachIo, canAttach } from '../../attach-io.js'
import { proxySignals } from '../../signal-proxy.js'
import { addRunFlags, runOptions, type RunFlags } from './run-options.js'

interface Flags extends RunFlags {
  rm?: boolean
  name?: string
  detach?: boolean
}

export function registerRun(parent: Command, cli: Cli): void {
  const cmd = addRunFlags(
    parent
      .command('run')
      .description('Create and run a new container from an image')
      .argument('<image>', 'image to run')
      .argument('[command...]', 'command and arguments (default: the image’s)')
      .option('--rm', 'Automatically remove the container when it exits')
      .option('--name <name>', 'Assign a name to the container')
      .option('-d, --detach', 'Run container in background and print container ID'),
  )
  stopOptionsAtFirstArgument(cmd)
  cmd.action(
    action(cli, async (client, image: string, command: string[], f: Flags) => {
      const params = {
        image,
        ...(f.name ? { name: f.name } : {}),
        ...runOptions(f, command),
        autoRemove: f.rm === true,
        detach: f.detach === true,
      }
      if (f.detach) {
        cli.out(`${(await client.call('container.run', params)).id}\n`)
        return
      }
      if (!canAttach(f)) return
      const io = attachIo(f)
      const proxy = f.tty ? null : proxySignals(client) // Docker proxies signals without a terminal only
      try {
        const r = await client.call(
          'container.run',
          { ...params, ...(io.consoleSize ? { consoleSize: io.consoleSize } : {}) },
          { download: demultiplexer(), onEvent: (e) => proxy?.onEvent(e), ...io.upload },
        )
        io.close()
        if (r.error) process.stderr.write(`strata: Error response from daemon: ${r.error}\n`)
        process.exitCode = r.exitCode ?? 0
      } catch (err) {
        if (!(err instanceof DaemonError)) throw err
        process.stderr.write(`strata: Error response from daemon: ${err.message}\n`)
        process.exitCode = 125
      } finally {
        io.close()
        proxy?.close()
      }
    }),
  )
}

/**
 * `strata run IMAGE sh -c …`: flags after IMAGE belong to the command. commander offers this
 * (passThroughOptions) only when every parent parses options positionally, which would stop the
 * global flags (-H) from being read after the verb; this command alone needs it.
 */
export function stopOptionsAtFirstArgument(cmd: Command): void {
  ;(cmd as unknown as { _passThroughOptions: boolean })._passThroughOptions = true
}
