/**
 * The files Docker gives every container that runs: /etc/hostname, /etc/hosts and
 * /etc/resolv.conf, written into the container's directory and bind-mounted over the image's
 * (oci-spec.ts), so a process resolves names and its own host name without the image shipping
 * them. Their mount targets come from the container's init layer (init/: etc/ with an empty file
 * at each name, and /dev, /proc and /sys for the runtime's own mounts; the top lower of its mount,
 * as Docker's "-init" layer), so runc does not make them in upper/, where diff and commit would
 * take them for the container's own changes.
 *
 *   ensureInitLayer(paths, lowerdirs)   // before the container is mounted
 *   const etc = writeEtcFiles(paths, proc.hostname, proc.network)
 *
 * Contents: hostname, its name; hosts, the loopback names (with --network host, the host's own
 * /etc/hosts, as Docker copies it); resolv.conf, the host's (Docker's for both network modes).
 * Never: changes the image's layers or upper/. The init layer is made in a temporary directory and
 * renamed into place, so a crash leaves none or a whole one.
 * Tests: test/unit/containers/etc-files.test.ts, test/integration/container-run.test.ts
 */
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs'
import type { Stats } from 'node:fs'
import { join } from 'node:path'
import type { ContainerPaths } from './paths.js'

/** Where each file is on the host: the source of its bind mount. */
export interface EtcFiles {
  hostname: string
  hosts: string
  resolv: string
}

/** The names under /etc, with the EtcFiles field of each. */
export const ETC_NAMES: ReadonlyArray<readonly [keyof EtcFiles, string]> = [
  ['resolv', 'resolv.conf'],
  ['hostname', 'hostname'],
  ['hosts', 'hosts'],
]

/** Docker's /etc/hosts for a container without a network of its own to name. */
export const LOOPBACK_HOSTS = [
  '127.0.0.1\tlocalhost',
  '::1\tlocalhost ip6-localhost ip6-loopback',
  'fe00::0\tip6-localnet',
  'ff00::0\tip6-mcastprefix',
  'ff02::1\tip6-allnodes',
  'ff02::2\tip6-allrouters',
  '',
].join('\n')

/** The host's files a container's are made from (tests give their own). */
export interface HostEtc {
  hosts: string | null
  resolv: string | null
}

const readOrNull = (path: string): string | null => (existsSync(path) ? readFileSync(path, 'utf8') : null)

export const hostEtc = (): HostEtc => ({ hosts: readOrNull('/etc/hosts'), resolv: readOrNull('/etc/resolv.conf') })

/** Writes the three files for a process about to start; where they are. */
export function writeEtcFiles(
  paths: ContainerPaths,
  hostname: string,
  network: 'none' | 'host',
  host: HostEtc = hostEtc(),
): EtcFiles {
  const files: EtcFiles = { hostname: paths.hostname, hosts: paths.hosts, resolv: paths.resolv }
  writeFileSync(files.hostname, `${hostname}\n`, { mode: 0o644 })
  writeFileSync(files.hosts, network === 'host' && host.hosts !== null ? host.hosts : LOOPBACK_HOSTS, { mode: 0o644 })
  writeFileSync(files.resolv, host.resolv ?? '', { mode: 0o644 })
  return files
}

/**
 * Directories the runtime mounts over (its mount targets): the init layer has them, so runc makes
 * none in upper/ for an image that lacks them (a minimal image has no /proc, /sys or /dev).
 */
export const INIT_DIRS = ['etc', 'dev', 'dev/pts', 'dev/shm', 'dev/mqueue', 'proc', 'sys']

/** The image's directory `rel` as its topmost layer that has the name shows it (null: none there). */
export function imageDir(lowerdirs: string[], rel: string): Stats | null {
  for (const dir of lowerdirs) {
    const st = lstatSync(join(dir, rel), { throwIfNoEntry: false })
    if (st) return st.isDirectory() ? st : null // anything else (a file, a whiteout) hides the lowers'
  }
  return null
}

/**
 * Makes the init layer unless there is one: INIT_DIRS (each as the image's own, else root 0755)
 * and an empty file at /etc/hostname, /etc/hosts and /etc/resolv.conf.
 */
export function ensureInitLayer(paths: ContainerPaths, lowerdirs: string[]): void {
  if (existsSync(paths.init)) return
  const staged = `${paths.init}.tmp-${process.pid}`
  rmSync(staged, { recursive: true, force: true })
  for (const rel of INIT_DIRS) mkdirSync(join(staged, rel), { recursive: true, mode: 0o755 })
  for (const [, name] of ETC_NAMES) writeFileSync(join(staged, 'etc', name), '', { mode: 0o644 })
  for (const rel of [...INIT_DIRS].reverse()) {
    const st = imageDir(lowerdirs, rel)
    if (st) asImage(join(staged, rel), st)
  }
  renameSync(staged, paths.init)
}

/** Owner, mode and times of the image's directory (times last: the others change ctime only). */
function asImage(dir: string, st: Stats): void {
  chownSync(dir, st.uid, st.gid)
  chmodSync(dir, st.mode & 0o7777)
  utimesSync(dir, st.atime, st.mtime)
}
