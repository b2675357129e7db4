/**
 * strata stop [-t S] CONTAINER... and strata kill [-s SIG] CONTAINER...: `docker stop` (the stop
 * signal, SIGKILL after S seconds, default 10; returns once the process ended) and `docker kill`
 * (SIGKILL unless -s). Each prints the name it was given.
 */
import type { Command } from 'commander'
import { action, eachReported, UsageError, type Cli } from '../../context.js'

export function registerStop(parent: Command, cli: Cli): void {
  parent
    .command('stop')
    .description('Stop one or more running containers')
    .argument('<container...>', 'names or IDs')
    .option('-t, --time <seconds>', 'Seconds to wait before killing the container', '10')
    .action(
      action(cli, async (client, containers: string[], o: { time: string }) => {
        const timeout = Number(o.time)
        if (!/^\d+$/.test(o.time))
          throw new UsageError(`invalid argument "${o.time}" for "-t, --time": not a number of seconds`)
        await eachReported(containers, async (container) => {
          await client.call('container.stop', { container, timeout })
          cli.out(`${container}\n`)
        })
      }),
    )
}

export function registerKill(parent: Command, cli: Cli): void {
  parent
    .command('kill')
    .description('Kill one or more running containers')
    .argument('<container...>', 'names or IDs')
    .option('-s, --signal <signal>', 'Signal to send to the container', 'KILL')
    .action(
      action(cli, async (client, containers: string[], o: { signal: string }) => {
        await eachReported(containers, async (container) => {
          await client.call('container.kill', { container, signal: o.signal })
          cli.out(`${container}\n`)
        })
      }),
    )
}
