/**
 * strata-overlay as podman's overlay `mount_program`, the use fuse-overlayfs's command line is
 * kept for: podman (Debian's, rootful, runc, a private storage root) imports a busybox root
 * filesystem and runs containers on it, each root mounted by the installed `strata-overlay`. A
 * container reads a lower file, writes a new one, deletes a lower one and makes a directory; the
 * layer podman keeps for it then holds the new file and an overlay whiteout for the deleted one,
 * and a second container from the same image still sees the image unchanged.
 * Limits on this machine: podman's default RLIMIT_NOFILE and RLIMIT_NPROC exceed the host's hard
 * limits, so each run asks for smaller ones (--ulimit).
 * The end: every container removed and nothing left mounted under the storage root (the teardown
 * also unmounts what a failed run left).
 */
import t from 'tap'
import { execFileSync } from 'node:child_process'
import {
  chmodSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import { tmpdir } from '../helpers/tmpdir.js'

const APPLETS = ['sh', 'cat', 'echo', 'ls', 'rm', 'mkdir', 'touch']

function rootfsTar(base: string): string {
  const dir = join(base, 'rootfs')
  for (const d of ['bin', 'etc', 'tmp']) mkdirSync(join(dir, d), { recursive: true })
  chmodSync(join(dir, 'tmp'), 0o1777)
  copyFileSync('/bin/busybox', join(dir, 'bin/busybox'))
  for (const a of APPLETS) symlinkSync('busybox', join(dir, 'bin', a))
  writeFileSync(join(dir, 'etc/lower.txt'), 'from the image\n')
  writeFileSync(join(dir, 'etc/keep.txt'), 'kept\n')
  const tar = join(base, 'rootfs.tar')
  execFileSync('tar', ['-C', dir, '-cf', tar, '.'])
  return tar
}

/**
 * The cgroup directories podman's cgroupfs manager makes for conmon (libpod_parent/conmon, in each
 * v1 controller and the unified tree), deepest first. podman leaves them, empty, after its last
 * container; the test removes them when they were not there before it.
 */
function podmanCgroups(): string[] {
  const out: string[] = []
  for (const ctl of existsSync(CGROUPS) ? readdirSync(CGROUPS) : []) {
    const parent = join(CGROUPS, ctl, 'libpod_parent')
    if (!existsSync(parent)) continue
    for (const d of readdirSync(parent, { withFileTypes: true })) if (d.isDirectory()) out.push(join(parent, d.name))
    out.push(parent)
  }
  return out
}
const CGROUPS = '/sys/fs/cgroup'

/** rmdir of empty cgroups (one still holding a process fails: that is a leak to see). */
const removeCgroups = (dirs: string[]): void => dirs.forEach((d) => rmdirSync(d))

/** Mount points below `dir` (podman's shm tmpfs, strata-overlay roots). */
const mountsUnder = (dir: string): string[] =>
  readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((m) => m.startsWith(`${dir}/`))

const strataMounts = (under: string): string[] =>
  readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((l) => l.includes(' - fuse.strata-overlay ') && l.includes(under))

t.test('podman runs containers on strata-overlay as its mount_program', async (t) => {
  const base = tmpdir(t, 'strata-podman-')
  const podman = (...args: string[]): string =>
    execFileSync(
      'podman',
      [
        '--root',
        join(base, 'root'),
        '--runroot',
        join(base, 'run'),
        '--storage-driver',
        'overlay',
        '--storage-opt',
        'overlay.mount_program=/usr/local/bin/strata-overlay',
        '--runtime',
        'runc',
        '--cgroup-manager',
        'cgroupfs',
        '--events-backend',
        'file',
        ...args,
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 },
    )
  // after a failure: containers removed, and whatever podman left mounted under the root taken away
  const cgroupsBefore = podmanCgroups()
  t.teardown(() => {
    podman('rm', '--all', '--force')
    for (const m of mountsUnder(base).reverse()) execFileSync('umount', ['-l', m])
    if (cgroupsBefore.length === 0) removeCgroups(podmanCgroups())
  })
  const ulimits = ['--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024']
  podman('import', rootfsTar(base), 'localhost/strata-bb:1')

  const script = [
    'cat /etc/lower.txt',
    'echo new > /tmp/new',
    'rm /etc/lower.txt',
    'mkdir /opt',
    'echo ---; ls /etc; echo ---',
    'grep " / " /proc/self/mountinfo',
  ].join('; ')
  const out = podman(
    'run',
    '--name',
    'writer',
    '--network',
    'none',
    ...ulimits,
    'localhost/strata-bb:1',
    'sh',
    '-c',
    script,
  )
  const [read, listing, mountinfo] = out.split('---\n')
  t.equal(read, 'from the image\n', 'a lower file is read through the mount')
  t.notOk(listing?.split('\n').includes('lower.txt'), 'the deleted file is gone from /etc')
  t.ok(listing?.split('\n').includes('keep.txt'), 'the other lower file is still there')
  t.match(mountinfo, / - fuse\.strata-overlay strata-overlay /, 'the root filesystem is strata-overlay')

  const upper = podman('inspect', '--format', '{{.GraphDriver.Data.UpperDir}}', 'writer').trim()
  t.equal(readFileSync(join(upper, 'tmp/new'), 'utf8'), 'new\n', 'the new file is in the container layer')
  const wh = lstatSync(join(upper, 'etc/lower.txt'))
  t.ok(wh.isCharacterDevice() && wh.rdev === 0, 'the deleted lower file left an overlay whiteout')
  t.ok(lstatSync(join(upper, 'opt')).isDirectory())
  // podman adds hostname, hosts and mtab (its bind mounts' targets); the untouched file stays below
  t.notOk(readdirSync(join(upper, 'etc')).includes('keep.txt'), 'an untouched lower file was not copied up')

  const second = podman(
    'run',
    '--rm',
    '--network',
    'none',
    ...ulimits,
    'localhost/strata-bb:1',
    'cat',
    '/etc/lower.txt',
  )
  t.equal(second, 'from the image\n', 'another container from the image sees it unchanged')
  t.same(strataMounts(base), [], 'both containers have exited: their root mounts are gone')
  podman('rm', '--all', '--force')
  t.same(mountsUnder(base), [], 'podman removed its container: nothing of it is left mounted')
  if (cgroupsBefore.length === 0) removeCgroups(podmanCgroups())
  t.same(podmanCgroups(), cgroupsBefore, 'the cgroups podman made for conmon are gone again')
})
