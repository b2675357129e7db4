/**
 * strata overlay mount: mount directories in overlayfs's format at a host path, served by a
 * daemon-supervised worker (fuse-overlayfs's -o syntax). Prints the mount's ID.
 */
import type { Command } from 'commander'
import type { MountSpec } from '../../../protocol.js'
import { action, UsageError, type Cli } from '../../context.js'

export function registerOverlayMount(parent: Command, cli: Cli): void {
  parent
    .command('mount')
    .description('Mount a layer stack at TARGET: -o lowerdir=A:B[,upperdir=U,workdir=W][,volatile]')
    .requiredOption('-o, --options <list>', 'lowerdir=A:B,upperdir=U,workdir=W (as fuse-overlayfs takes them)')
    .argument('<target>', 'mountpoint (an existing directory)')
    .action(
      action(cli, async (client, target: string, opts: { options: string }) => {
        const { spec, volatile } = parseOptions(opts.options)
        const m = await client.call('mount.create', { target: absolute(target), spec, volatile })
        cli.out(`${m.id}\n`)
      }),
    )
}

export function parseOptions(list: string): { spec: MountSpec; volatile: boolean } {
  const spec: MountSpec = { lowerdirs: [], readonly: true }
  let volatile = false
  for (const opt of list.split(',').filter(Boolean)) {
    const [key, value = ''] = opt.split(/=(.*)/s)
    if (key === 'lowerdir') spec.lowerdirs = value.split(':').filter(Boolean).map(absolute)
    else if (key === 'upperdir') spec.upperdir = absolute(value)
    else if (key === 'workdir') spec.workdir = absolute(value)
    else if (key === 'volatile') volatile = true
    else throw new UsageError(`unknown mount option ${opt}`)
  }
  spec.readonly = !spec.upperdir
  return { spec, volatile }
}

const absolute = (p: string): string => (p.startsWith('/') ? p : `${process.cwd()}/${p}`)
