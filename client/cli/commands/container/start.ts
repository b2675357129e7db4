/**
 * strata start [-a [-i]] CONTAINER...: start containers' processes again (`docker start`), as they
 * were last run; prints each name. With -a (one container) its output streams here and the exit
 * status is the process's; with -i too, this CLI's stdin goes to a process made with -i (and with
 * one made with -t as well, this terminal is put in raw mode, attach-io.ts).
 */
import type { Command } from 'commander'
import { action, eachReported, UsageError, type Cli } from '../../context.js'
import { demultiplexer } from '../../output-frames.js'
import type { StrataClient } from '../../../client.js'
import { attachIo, canAttach } from '../../attach-io.js'
import { proxySignals } from '../../signal-proxy.js'

export function registerStart(parent: Command, cli: Cli): void {
  parent
    .command('start')
    .description('Start one or more stopped containers')
    .argument('<container...>', 'names or IDs')
    .option('-a, --attach', "Attach STDOUT/STDERR and return the container's exit code")
    .option('-i, --interactive', "Attach container's STDIN")
    .action(
      action(cli, async (client, containers: string[], o: { attach?: boolean; interactive?: boolean }) => {
        if (o.attach || o.interactive) {
          const [container] = containers
          if (containers.length !== 1 || !container)
            throw new UsageError('you cannot start and attach multiple containers at once')
          await startAttached(client, container, o.interactive === true)
          return
        }
        await eachReported(containers, async (container) => {
          await client.call('container.start', { container })
          cli.out(`${container}\n`)
        })
      }),
    )
}

/** `start -a [-i]`: as run in the foreground, with the container's own -t deciding the terminal. */
async function startAttached(client: StrataClient, container: string, interactive: boolean): Promise<void> {
  const config = interactive ? (await client.call('container.inspect', { container })).Config : undefined
  const tty = (config as { Tty?: unknown } | undefined)?.Tty === true
  if (!canAttach({ interactive, tty })) return
  const io = attachIo({ interactive, tty })
  const proxy = tty ? null : proxySignals(client)
  try {
    const r = await client.call(
      'container.start',
      { container, attach: true, interactive, ...(io.consoleSize ? { consoleSize: io.consoleSize } : {}) },
      { download: demultiplexer(), onEvent: (e) => proxy?.onEvent(e), ...io.upload },
    )
    io.close()
    if (r.error) process.stderr.write(`strata: Error response from daemon: ${r.error}\n`)
    process.exitCode = r.exitCode ?? 0
  } finally {
    io.close()
    proxy?.close()
  }
}
