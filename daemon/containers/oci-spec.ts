/**
 * The OCI runtime config (bundle/config.json) for a container's process, as Docker's defaults
 * make it: namespaces mount, pid, ipc, uts and network (not with `--network host`); /proc, /dev
 * (tmpfs; the runtime adds the standard devices), /dev/pts, /dev/shm, /dev/mqueue, /sys read-only;
 * the container's /etc/resolv.conf, hostname and hosts, then the bind mounts asked for (so one
 * of those may replace them); Docker's default capabilities; its masked and read-only paths;
 * RLIMIT_NOFILE as Docker's daemon gives it, within what this host allows; oom_score_adj 0, not
 * whatever stratad was given (its unit sets -500, which every child inherits); a device cgroup
 * that denies every device before the runtime appends its standard ones, as Docker's spec begins,
 * so no runtime's default can let a process open a host disk it made with mknod; a cgroup under the
 * runtime's own (`strata-<id>`), which the runtime removes when the process ends.
 * Never: reads or writes anything; the caller writes the bundle.
 * Tests: test/unit/containers/oci-spec.test.ts
 */
import { readFileSync } from 'node:fs'
import type { ContainerProcess } from '../store/containers.js'
import { ETC_NAMES, type EtcFiles } from './etc-files.js'
import type { Size } from './terminal.js'

/** Docker's default capability set (moby oci/caps/defaults.go). */
export const DEFAULT_CAPABILITIES = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
]

const MASKED_PATHS = [
  '/proc/asound',
  '/proc/acpi',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
  '/sys/devices/virtual/powercap',
]
const READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger']

export interface OciMount {
  destination: string
  type: string
  source: string
  options: string[]
}

export interface OciSpec {
  ociVersion: string
  process: Record<string, unknown>
  root: { path: string; readonly: boolean }
  hostname: string
  mounts: OciMount[]
  linux: Record<string, unknown>
}

export interface SpecOptions {
  /** The terminal's size of a -t process: the runtime sizes its pty before the process starts. */
  consoleSize?: Size
  /** The host's RLIMIT_NOFILE hard limit (read from /proc when not given). */
  nofileHard?: number
}

/** `etc`: the container's hostname, hosts and resolv.conf (etc-files.ts), bound over the image's; null: none. */
export function ociSpec(
  id: string,
  rootfs: string,
  p: ContainerProcess,
  etc: EtcFiles | null,
  o: SpecOptions = {},
): OciSpec {
  const caps = DEFAULT_CAPABILITIES
  const namespaces = ['pid', 'ipc', 'uts', 'mount', ...(p.network === 'host' ? [] : ['network'])]
  const nofile = Math.min(1048576, o.nofileHard ?? hostNofileHard())
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: p.tty === true, // the runtime in the foreground makes the pty (terminal.ts)
      ...(p.tty === true && o.consoleSize ? { consoleSize: consoleBox(o.consoleSize) } : {}),
      user: { uid: p.user.uid, gid: p.user.gid, additionalGids: p.user.additionalGids },
      args: p.args,
      env: p.env,
      cwd: p.cwd,
      capabilities: { bounding: caps, effective: caps, permitted: caps },
      rlimits: [{ type: 'RLIMIT_NOFILE', soft: nofile, hard: nofile }],
      noNewPrivileges: false,
      oomScoreAdj: 0,
    },
    root: { path: rootfs, readonly: p.readOnly },
    hostname: p.hostname,
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
      {
        destination: '/dev',
        type: 'tmpfs',
        source: 'tmpfs',
        options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'],
      },
      {
        destination: '/dev/pts',
        type: 'devpts',
        source: 'devpts',
        options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
      },
      { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
      { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
      {
        destination: '/dev/shm',
        type: 'tmpfs',
        source: 'shm',
        options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'],
      },
      ...(etc ? ETC_NAMES.map(([field, name]) => bind(etc[field], `/etc/${name}`, false)) : []),
      ...p.binds.map((b) => bind(b.source, b.destination, b.readOnly)),
    ],
    linux: {
      namespaces: namespaces.map((type) => ({ type })),
      cgroupsPath: `strata-${id}`,
      resources: { devices: [{ allow: false, access: 'rwm' }] },
      maskedPaths: MASKED_PATHS,
      readonlyPaths: READONLY_PATHS,
    },
  }
}

const bind = (source: string, destination: string, readOnly: boolean): OciMount => ({
  destination,
  type: 'bind',
  source,
  options: ['rbind', 'rprivate', ...(readOnly ? ['ro'] : [])],
})

/** The hard RLIMIT_NOFILE this process has (a container cannot be given more). */
function hostNofileHard(): number {
  const line = readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Max open files'))
  const hard = line?.split(/\s{2,}/)[2]
  return hard === undefined || hard === 'unlimited' ? 1048576 : Number(hard) || 1024
}

/** A terminal size as the OCI process's `consoleSize`. */
export const consoleBox = (s: Size): { height: number; width: number } => ({ height: s.rows, width: s.cols })
