/**
 * strata build [-t NAME:TAG]... [-f Dockerfile] [--build-arg K=V] [--target STAGE] [--no-cache]
 * [--label K=V] [-q] [--network host|none] CONTEXT: `docker build` with the classic builder. The
 * context directory goes to the daemon as a tar made while it is sent (.dockerignore honoured,
 * client/cli/build/), the Dockerfile as text, and the user's registry logins (registry-auth.ts) for
 * the images the build pulls; the daemon's output lines are printed as they come, or with -q only
 * the image ID.
 * Tests: test/integration/image-build.test.ts, test/integration/image-build-credentials.test.ts
 */
import { existsSync, readFileSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { Command } from 'commander'
import type { RegistryAuth } from '../../../protocol.js'
import { contextTar } from '../../build/context-tar.js'
import { parseDockerignore } from '../../build/dockerignore.js'
import { action, repeatable, UsageError, type Cli } from '../../context.js'
import { allAuths } from '../../registry-auth.js'

interface BuildFlags {
  tag: string[]
  file?: string
  buildArg: string[]
  target?: string
  cache: boolean
  label: string[]
  quiet?: boolean
  network?: string
}

export function registerBuild(parent: Command, cli: Cli): void {
  parent
    .command('build')
    .description('Build an image from a Dockerfile')
    .argument('<path>', 'the build context directory')
    .option('-t, --tag <name>', 'Name and optionally a tag in the name:tag format', repeatable, [])
    .option('-f, --file <path>', "Name of the Dockerfile (default: 'PATH/Dockerfile'; - for stdin)")
    .option('--build-arg <K=V>', 'Set build-time variables', repeatable, [])
    .option('--target <stage>', 'Set the target build stage to build')
    .option('--no-cache', 'Do not use cache when building the image')
    .option('--label <K=V>', 'Set metadata for an image', repeatable, [])
    .option('-q, --quiet', 'Suppress the build output and print image ID on success')
    .option('--network <mode>', 'Networking mode for the RUN instructions (none or host)')
    .action(
      action(cli, async (client, path: string, o: BuildFlags) => {
        const dir = resolve(path)
        if (!existsSync(dir) || !statSync(dir).isDirectory())
          throw new UsageError(`unable to prepare context: path "${path}" not found or not a directory`)
        const dockerfile = o.file === '-' ? await readStdin() : readFileSync(o.file ?? join(dir, 'Dockerfile'), 'utf8')
        const ignoreFile = join(dir, '.dockerignore')
        const ignore = parseDockerignore(existsSync(ignoreFile) ? readFileSync(ignoreFile, 'utf8') : '')
        const params = {
          dockerfile,
          tags: o.tag,
          buildArgs: o.buildArg.flatMap(fromEnvironment),
          labels: o.label,
          noCache: !o.cache,
          ...(o.target ? { target: o.target } : {}),
          ...(o.network ? { network: o.network } : {}),
          ...withAuths(allAuths()),
        }
        if (!o.quiet) cli.out('Sending build context to strata daemon\n')
        const r = await client.call('image.build', params, {
          upload: contextTar(dir, ignore),
          onEvent: (e) => {
            if (!o.quiet) cli.out(`${e.status}\n`)
          },
        })
        if (o.quiet) cli.out(`${r.id}\n`)
      }),
    )
}

async function readStdin(): Promise<string> {
  const parts: Buffer[] = []
  for await (const b of process.stdin) parts.push(b as Buffer)
  return Buffer.concat(parts).toString('utf8')
}

/** The user's logins go with the call when there are any, as Docker's CLI sends its config with a build. */
function withAuths(auths: Record<string, RegistryAuth>): { auths?: Record<string, RegistryAuth> } {
  return Object.keys(auths).length ? { auths } : {}
}

/** `--build-arg K` takes K from this environment, and is left out when it is not set, as Docker's CLI does. */
function fromEnvironment(kv: string): string[] {
  if (kv.includes('=')) return [kv]
  const v = process.env[kv]
  return v === undefined ? [] : [`${kv}=${v}`]
}
