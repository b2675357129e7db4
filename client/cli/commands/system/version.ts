/** strata version: client and daemon versions, like `docker version` (the client part prints even without a daemon). */
import type { Command } from 'commander'
import type { VersionInfo } from '../../../protocol.js'
import { PROTOCOL_VERSION } from '../../../protocol.js'
import { report, type Cli } from '../../context.js'
import { renderObject } from '../../output.js'
import { CLI_VERSION } from '../../version.js'

export function registerVersion(program: Command, cli: Cli): void {
  program
    .command('version')
    .description('Show the strata version information')
    .option('-f, --format <string>', 'Format output using a Go template ("json" for JSON)')
    .action(async (opts: { format?: string }) => {
      const Client = {
        Version: CLI_VERSION,
        Protocol: PROTOCOL_VERSION,
        Node: process.version,
        Os: process.platform,
        Arch: process.arch,
      }
      let Server: Record<string, unknown> | null = null
      let failure: unknown
      try {
        const client = await cli.connect()
        try {
          const v: VersionInfo = await client.call('system.version', {})
          Server = { Version: v.version, Protocol: v.protocol, Node: v.node, Os: v.os, Arch: v.arch, Kernel: v.kernel }
        } finally {
          client.close()
        }
      } catch (err) {
        failure = err
      }
      try {
        cli.out(renderObject({ Client, Server }, opts.format, () => text(Client, Server)))
      } catch (err) {
        failure ??= err
      }
      if (failure) process.exitCode = report(failure)
    })
}

function text(c: Record<string, unknown>, s: Record<string, unknown> | null): string {
  let out = `Client:\n Version:     ${c.Version}\n Protocol:    ${c.Protocol}\n Node:        ${c.Node}\n OS/Arch:     ${c.Os}/${c.Arch}\n`
  if (s)
    out += `\nServer:\n Version:     ${s.Version}\n Protocol:    ${s.Protocol}\n Node:        ${s.Node}\n OS/Arch:     ${s.Os}/${s.Arch}\n Kernel:      ${s.Kernel}\n`
  return out
}
