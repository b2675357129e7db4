/** strata info (and `strata system info`): the daemon's state, like `docker info`. */
import type { Command } from 'commander'
import type { SystemInfo } from '../../../protocol.js'
import { action, type Cli } from '../../context.js'
import { humanAgo } from '../../human.js'
import { renderObject } from '../../output.js'

export function registerInfo(parent: Command, cli: Cli): void {
  parent
    .command('info')
    .description('Display system-wide information')
    .option('-f, --format <string>', 'Format output using a Go template ("json" for JSON)')
    .action(
      action(cli, async (client, opts: { format?: string }) => {
        const info = await client.call('system.info', {})
        cli.out(renderObject(templateView(info), opts.format, () => text(info)))
      }),
    )
}

/** Field names for --format, in Docker's style ({{.ServerVersion}}, {{.Images}}, …). */
function templateView(i: SystemInfo) {
  return {
    ServerVersion: i.version,
    Driver: i.storage.driver,
    BackingFilesystem: i.storage.backingFs,
    Passthrough: i.storage.passthrough,
    RootDir: i.root,
    Socket: i.socket,
    Pid: i.pid,
    StartedAt: i.startedAt,
    Images: i.counts.images,
    Layers: i.counts.layers,
    Containers: i.counts.containers,
    Mounts: i.counts.mounts,
    MountsServing: i.counts.mountsServing,
    Connections: i.connections,
  }
}

function text(i: SystemInfo): string {
  return [
    `Server Version: ${i.version}`,
    `Storage Driver: ${i.storage.driver}`,
    ` Backing Filesystem: ${i.storage.backingFs}`,
    ` Passthrough: ${i.storage.passthrough}`,
    `Data Root: ${i.root}`,
    `Socket: ${i.socket}`,
    `Daemon PID: ${i.pid}`,
    `Up Since: ${i.startedAt} (${humanAgo(i.startedAt)})`,
    `Images: ${i.counts.images}`,
    `Layers: ${i.counts.layers}`,
    `Containers: ${i.counts.containers}`,
    `Mounts: ${i.counts.mounts} (${i.counts.mountsServing} serving)`,
    `Connections: ${i.connections}`,
    '',
  ].join('\n')
}
