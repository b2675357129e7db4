/**
 * strata start [-a] CONTAINER...: start containers' processes again (`docker start`), as they were
 * last run; prints each name. With -a (one container) its output streams here and the exit status
 * is the process's.
 */
import type { Command } from 'commander'
import { action, eachReported, UsageError, type Cli } from '../../context.js'
import { demultiplexer } from '../../output-frames.js'
import { proxySignals } from '../../signal-proxy.js'

export function registerStart(parent: Command, cli: Cli): void {
  parent
    .command('start')
    .description('Start one or more stopped containers')
    .argument('<container...>', 'names or IDs')
    .option('-a, --attach', "Attach STDOUT/STDERR and return the container's exit code")
    .action(
      action(cli, async (client, containers: string[], o: { attach?: boolean }) => {
        if (o.attach) {
          const [container] = containers
          if (containers.length !== 1 || !container)
            throw new UsageError('you cannot start and attach multiple containers at once')
          const proxy = proxySignals(client)
          try {
            const r = await client.call(
              'container.start',
              { container, attach: true },
              { download: demultiplexer(), onEvent: proxy.onEvent },
            )
            if (r.error) process.stderr.write(`strata: Error response from daemon: ${r.error}\n`)
            process.exitCode = r.exitCode ?? 0
          } finally {
            proxy.close()
          }
          return
        }
        await eachReported(containers, async (container) => {
          await client.call('container.start', { container })
          cli.out(`${container}\n`)
        })
      }),
    )
}
