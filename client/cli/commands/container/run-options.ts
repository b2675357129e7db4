/**
 * The flags `run` shares with `create` in Docker (-e, --env-file, -w, -u, -v, --entrypoint,
 * --hostname, --network, --read-only, -i, -t) and what they become in the RPC's ContainerRunOptions.
 * `-e NAME` without a value takes this process's variable (dropped when unset), as Docker's CLI.
 * Tests: test/integration/container-run.test.ts
 */
import { readFileSync } from 'node:fs'
import type { Command } from 'commander'
import type { ContainerRunOptions } from '../../../protocol.js'
import { repeatable } from '../../context.js'

export interface RunFlags {
  env: string[]
  envFile: string[]
  workdir?: string
  user?: string
  volume: string[]
  entrypoint?: string
  hostname?: string
  network?: string
  readOnly?: boolean
  interactive?: boolean
  tty?: boolean
}

export function addRunFlags(cmd: Command): Command {
  return cmd
    .option('-e, --env <K=V>', 'Set environment variables', repeatable, [])
    .option('--env-file <file>', 'Read in a file of environment variables', repeatable, [])
    .option('-w, --workdir <dir>', 'Working directory inside the container')
    .option('-u, --user <user>', 'Username or UID (format: <name|uid>[:<group|gid>])')
    .option('-v, --volume <host:ctr[:ro]>', 'Bind mount a volume (root only)', repeatable, [])
    .option('--entrypoint <cmd>', 'Overwrite the default ENTRYPOINT of the image')
    .option('--hostname <name>', 'Container host name')
    .option('--network <mode>', 'Connect a container to a network: none (default) or host')
    .option('--read-only', "Mount the container's root filesystem as read only")
    .option('-i, --interactive', 'Keep STDIN open even if not attached')
    .option('-t, --tty', 'Allocate a pseudo-TTY')
}

export function runOptions(f: RunFlags, cmd: string[]): ContainerRunOptions {
  const env: string[] = []
  for (const file of f.envFile) env.push(...envFileLines(readFileSync(file, 'utf8')))
  env.push(...f.env)
  return {
    ...(cmd.length ? { cmd } : {}),
    ...(f.entrypoint !== undefined ? { entrypoint: f.entrypoint } : {}),
    env: env.flatMap(withLocalValue),
    ...(f.workdir ? { workdir: f.workdir } : {}),
    ...(f.user ? { user: f.user } : {}),
    ...(f.hostname ? { hostname: f.hostname } : {}),
    ...(f.network ? { network: f.network } : {}),
    readOnly: f.readOnly === true,
    volumes: f.volume,
    ...(f.tty ? { tty: true } : {}),
    ...(f.interactive ? { openStdin: true } : {}),
  }
}

/** An env file as Docker reads it: K=V or K per line; blank lines and # comments skipped. */
export function envFileLines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.replace(/\r$/, '').replace(/^\s+/, ''))
    .filter((l) => l && !l.startsWith('#'))
}

function withLocalValue(kv: string): string[] {
  if (kv.includes('=')) return [kv]
  const v = process.env[kv]
  return v === undefined ? [] : [`${kv}=${v}`]
}
