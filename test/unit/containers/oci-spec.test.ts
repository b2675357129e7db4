import t from 'tap'
import { DEFAULT_CAPABILITIES, ociSpec } from '../../../daemon/containers/oci-spec.js'
import type { ContainerProcess } from '../../../daemon/store/containers.js'

const ETC = { hostname: '/c/x/hostname', hosts: '/c/x/hosts', resolv: '/c/x/resolv.conf' }

const PROC: ContainerProcess = {
  args: ['sh'],
  env: ['PATH=/bin'],
  cwd: '/',
  user: { uid: 1000, gid: 1000, additionalGids: [50] },
  hostname: 'box',
  network: 'none',
  readOnly: true,
  binds: [{ source: '/srv/data', destination: '/data', readOnly: true }],
  autoRemove: false,
  stopSignal: 'SIGTERM',
  startedAt: null,
  finishedAt: null,
  exitCode: null,
  monitor: null,
}

t.test('Docker’s defaults: namespaces, mounts, capabilities, a cgroup per container', async (t) => {
  const s = ociSpec('c1', '/root/merged', PROC, ETC, { nofileHard: 4096 })
  t.same(s.root, { path: '/root/merged', readonly: true })
  t.equal(s.hostname, 'box')
  t.match(s.process, { args: ['sh'], user: { uid: 1000, gid: 1000, additionalGids: [50] }, terminal: false })
  const tty = ociSpec('c1', '/root/merged', { ...PROC, tty: true }, ETC, { consoleSize: { rows: 33, cols: 101 } })
  t.match(
    tty.process,
    { terminal: true, consoleSize: { height: 33, width: 101 } },
    '-t: the pty sized before the start',
  )
  t.notOk('consoleSize' in ociSpec('c1', '/r', PROC, ETC, { consoleSize: { rows: 1, cols: 1 } }).process, 'no -t')
  t.same((s.process.capabilities as { bounding: string[] }).bounding, DEFAULT_CAPABILITIES)
  t.same(s.process.rlimits, [{ type: 'RLIMIT_NOFILE', soft: 4096, hard: 4096 }], 'within the host’s hard limit')
  t.same(
    (s.linux.namespaces as Array<{ type: string }>).map((n) => n.type),
    ['pid', 'ipc', 'uts', 'mount', 'network'],
  )
  t.equal(s.linux.cgroupsPath, 'strata-c1')
  t.equal(s.process.oomScoreAdj, 0, 'oom_score_adj 0 (Docker’s), not the one stratad inherited')
  t.same(
    s.linux.resources,
    { devices: [{ allow: false, access: 'rwm' }] },
    'every device denied first; the runtime appends its standard ones',
  )
  t.same(
    s.mounts.map((m) => m.destination),
    [
      '/proc',
      '/dev',
      '/dev/pts',
      '/sys',
      '/dev/mqueue',
      '/dev/shm',
      '/etc/resolv.conf',
      '/etc/hostname',
      '/etc/hosts',
      '/data',
    ],
    'the container’s /etc files before the binds asked for (so a bind may replace one)',
  )
  t.ok(s.mounts.find((m) => m.destination === '/sys')?.options.includes('ro'), '/sys read-only')
  t.same(s.mounts.at(-1), {
    destination: '/data',
    type: 'bind',
    source: '/srv/data',
    options: ['rbind', 'rprivate', 'ro'],
  })
  const host = ociSpec('c1', '/r', { ...PROC, network: 'host' }, null, { nofileHard: 4096 })
  t.notOk(
    (host.linux.namespaces as Array<{ type: string }>).some((n) => n.type === 'network'),
    'host network',
  )
})
