/**
 * What a container's process is, from its image's config and `run`'s options, as Docker decides:
 * `--entrypoint` replaces the image's Entrypoint and drops its Cmd; CMD arguments replace Cmd;
 * Env is the image's, then -e (later wins), with PATH, HOSTNAME and HOME (and TERM with -t) filled in when unset;
 * the working directory is -w, else the image's WorkingDir, else /; the user is -u, else the
 * image's User, resolved in the container's own /etc/passwd and /etc/group (user-lookup.ts);
 * -v HOST:CTR[:ro] become bind mounts; -t and -i are kept (the monitor and the OCI config read them).
 * Errors: INVALID_ARGUMENT (no command, a relative path, a bad -v, --network other than none or host,
 *   an unknown user or group).
 * Tests: test/unit/containers/process-config.test.ts
 */
import { existsSync } from 'node:fs'
import { hostname as hostHostname } from 'node:os'
import { isAbsolute, posix } from 'node:path'
import type { ContainerRunOptions } from '../../client/protocol.js'
import { invalidArgument } from '../errors.js'
import type { ContainerConfig } from '../store/image-config.js'
import type { ContainerProcess } from '../store/containers.js'
import { resolveUser } from './user-lookup.js'

const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'

export function processConfig(
  id: string,
  rootfs: string,
  image: ContainerConfig,
  o: ContainerRunOptions,
): ContainerProcess {
  const entrypoint = o.entrypoint !== undefined ? (o.entrypoint ? [o.entrypoint] : []) : (image.Entrypoint ?? [])
  const cmd = o.cmd?.length ? o.cmd : o.entrypoint !== undefined ? [] : (image.Cmd ?? [])
  const args = [...entrypoint, ...cmd]
  if (!args.length) throw invalidArgument('No command specified')
  const network = o.network || 'none'
  if (network !== 'none' && network !== 'host')
    throw invalidArgument(`network ${network} not found: strata runs with --network none or host`)
  const cwd = o.workdir || image.WorkingDir || '/'
  if (!isAbsolute(cwd)) throw invalidArgument(`the working directory '${cwd}' is invalid: it needs to be absolute`)
  const hostname = o.hostname || (network === 'host' ? hostHostname() : id.slice(0, 12))
  const user = resolveUser(rootfs, o.user ?? image.User ?? '')
  return {
    args,
    env: environment(image.Env ?? [], o.env ?? [], hostname, user.home, o.tty === true),
    cwd: posix.normalize(cwd),
    user: { uid: user.uid, gid: user.gid, additionalGids: user.additionalGids },
    hostname,
    network,
    readOnly: o.readOnly === true,
    binds: (o.volumes ?? []).map(bindOf),
    autoRemove: o.autoRemove === true,
    stopSignal: image.StopSignal || 'SIGTERM',
    tty: o.tty === true,
    openStdin: o.openStdin === true,
    startedAt: null,
    finishedAt: null,
    exitCode: null,
    monitor: null,
  }
}

/** The image's variables, then the command line's (a later one replaces an earlier one of the same name). */
function environment(image: string[], given: string[], hostname: string, home: string, tty: boolean): string[] {
  const vars = new Map<string, string>()
  const put = (kv: string) => vars.set(kv.split('=', 1)[0] ?? kv, kv)
  put(DEFAULT_PATH)
  put(`HOSTNAME=${hostname}`)
  for (const kv of [...image, ...given]) {
    if (!kv || kv.startsWith('=')) throw invalidArgument(`invalid environment variable: ${kv}`)
    if (!kv.includes('=')) continue // `-e NAME` without a value takes the client's; the CLI resolves it
    put(kv)
  }
  if (!vars.has('HOME')) put(`HOME=${home}`)
  if (tty && !vars.has('TERM')) put('TERM=xterm') // as Docker gives a -t process
  return [...vars.values()]
}

/** HOST:CTR[:ro|rw] with both paths absolute and the host path present. */
function bindOf(spec: string): ContainerProcess['binds'][number] {
  const parts = spec.split(':')
  const [source = '', destination = '', mode] = parts
  if (parts.length < 2 || parts.length > 3 || (mode !== undefined && mode !== 'ro' && mode !== 'rw'))
    throw invalidArgument(`invalid volume specification: '${spec}' (HOST:CONTAINER[:ro])`)
  if (!isAbsolute(source) || !isAbsolute(destination))
    throw invalidArgument(`invalid volume specification: '${spec}': both paths must be absolute`)
  if (!existsSync(source)) throw invalidArgument(`invalid volume specification: '${spec}': ${source} does not exist`)
  return { source, destination: posix.normalize(destination).replace(/(.)\/+$/, '$1'), readOnly: mode === 'ro' }
}
