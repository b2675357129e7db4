/**
 * Containers' processes through a real stratad, runc and the strata CLI, on a busybox image:
 * exit codes (the process's, 127 for a missing command), env (-e, --env-file, the image's PATH
 * and HOME), -w, -u by name with supplementary groups and by number, --entrypoint, --read-only,
 * --network host (and a network it does not have), a bind mount read-write and read-only, -d
 * with logs, ps's Up/Exited, rm and unmount (also -f) refused while running, exec, stop (SIGKILL
 * after the timeout for a pid 1 that ignores SIGTERM), kill, wait, start -a, logs -f, commit of a
 * running container (frozen meanwhile, running after), SIGINT to a foreground run reaching the
 * process, --rm, the device cgroup (a host disk made with mknod unreadable, the standard devices
 * usable), and /etc/hostname, hosts and resolv.conf with the init layer that keeps their mount
 * targets (and /proc, /sys, /dev) out of diff and commit. The teardown leaves no process, mount
 * or cgroup (test/helpers/run-fixtures.ts).
 */
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { hostname as hostName } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { execFileSync, spawn } from 'node:child_process'
import { STRATA_CLI } from '../helpers/daemon.js'
import { cgroupsOf, until, runDaemon } from '../helpers/run-fixtures.js'
import { tmpdir } from '../helpers/tmpdir.js'

const { d, client, cli } = await runDaemon(t)

t.test('the exit status is the process’s; a missing command is 127 with the runtime’s reason', async (t) => {
  t.match(await cli('run', '--rm', 'bb:run', 'true'), { code: 0, stdout: '', stderr: '' })
  t.match(await cli('run', '--rm', 'bb:run', 'sh', '-c', 'echo out; echo err >&2; exit 3'), {
    code: 3,
    stdout: 'out\n',
    stderr: 'err\n',
  })
  const missing = await cli('run', '--rm', 'bb:run', 'nosuch')
  t.equal(missing.code, 127, 'got 127 for a missing command')
  t.match(missing.stderr, /executable file not found/)
  t.match(await cli('run', '--rm', 'nosuch:image'), { code: 125, stderr: /No such image|not found/i })
})

t.test('env, working directory and user come from the flags and the container’s passwd/group', async (t) => {
  const envFile = join(tmpdir(t), 'env')
  writeFileSync(envFile, '# a comment\nFROM_FILE=f\n\nBOTH=file\n')
  const r = await cli(
    ...['run', '--rm', '--env-file', envFile, '-e', 'FOO=bar baz', '-e', 'BOTH=flag', '-w', '/work/dir', '-u', 'ann'],
    ...['bb:run', 'sh', '-c', 'echo "$FOO|$FROM_FILE|$BOTH|$HOME|$PATH"; pwd; id; hostname'],
  )
  t.equal(r.code, 0, r.stderr)
  const [env, pwd, id, hostname] = r.stdout.split('\n')
  t.equal(env, 'bar baz|f|flag|/home/ann|/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin')
  t.equal(pwd, '/work/dir', 'the working directory is made when missing')
  t.equal(id, 'uid=1000(ann) gid=1000(ann) groups=50(staff)')
  t.match(hostname, /^[0-9a-f]{12}$/, 'the hostname is the short ID')
  const numeric = await cli('run', '--rm', '-u', '4242:50', '--hostname', 'box', 'bb:run', 'sh', '-c', 'id; hostname')
  t.match(numeric.stdout, /^uid=4242 gid=50\(staff\)( groups=50\(staff\))?\nbox\n$/)
  t.match(await cli('run', '--rm', '-u', 'nobody', 'bb:run', 'true'), {
    code: 125,
    stderr: /unable to find user nobody/,
  })
  t.match(await cli('run', '--rm', '--entrypoint', 'echo', 'bb:run', 'a', 'b'), { code: 0, stdout: 'a b\n' })
  const ro = await cli('run', '--rm', '--read-only', 'bb:run', 'touch', '/x')
  t.match(ro, { code: 1, stderr: /Read-only file system/ }, '--read-only')
  const host = await cli('run', '--rm', '--network', 'host', 'bb:run', 'hostname')
  t.equal(host.stdout, `${hostName()}\n`, '--network host: the host’s name')
  t.match(await cli('run', '--rm', '--network', 'bridge', 'bb:run', 'true'), { code: 125, stderr: /network bridge/ })
})

t.test('a bind mount, read-write and read-only; files made by uid 1000 belong to uid 1000', async (t) => {
  const host = tmpdir(t)
  chmodSync(host, 0o777)
  writeFileSync(join(host, 'in'), 'from host\n')
  const rw = await cli(
    'run',
    '--rm',
    '-u',
    '1000',
    '-v',
    `${host}:/h`,
    'bb:run',
    'sh',
    '-c',
    'cat /h/in; echo back > /h/out',
  )
  t.equal(rw.code, 0, rw.stderr)
  t.equal(rw.stdout, 'from host\n')
  t.equal(readFileSync(join(host, 'out'), 'utf8'), 'back\n')
  t.equal(statSync(join(host, 'out')).uid, 1000)
  const ro = await cli('run', '--rm', '-v', `${host}:/h:ro`, 'bb:run', 'sh', '-c', 'echo x > /h/no')
  t.not(ro.code, 0)
  t.match(ro.stderr, /Read-only file system/)
  const mine = await cli('run', '--name', 'owner', '-u', 'ann', 'bb:run', 'sh', '-c', 'echo mine > /home/ann/f')
  t.equal(mine.code, 0, mine.stderr)
  const c = await client.call('container.list', { all: true, filters: { name: ['owner'] } })
  const upper = join(d.root, 'containers', c[0]?.id ?? '', 'upper/home/ann/f')
  t.equal(statSync(upper).uid, 1000, 'the file in the writable layer is uid 1000’s')
  t.match(await cli('rm', 'owner'), { code: 0 })
})

t.test('-d, logs, ps, rm refused while running, exec, stop after the timeout, wait, start -a', async (t) => {
  const started = await cli(
    'run',
    '-d',
    '--name',
    'bg',
    'bb:run',
    'sh',
    '-c',
    'echo ready; echo warn >&2; while :; do sleep 0.1; done',
  )
  t.equal(started.code, 0, started.stderr)
  const id = started.stdout.trim()
  t.match(id, /^[0-9a-f]{64}$/)
  await until('the container to write', async () => (await cli('logs', 'bg')).stdout === 'ready\n')
  t.equal((await cli('logs', 'bg')).stderr, 'warn\n')
  const ps = await cli('ps', '--format', '{{.Names}} {{.Status}} {{.Command}}')
  t.match(ps.stdout, /^bg Up (Less than a second|\d+ seconds?|About a minute) "sh -c 'echo ready; …"$/m)
  t.ok(cgroupsOf(id).length > 0, 'its cgroup exists while it runs')
  t.match(await cli('rm', 'bg'), { code: 1, stderr: /cannot remove a running container/ })

  const ex = await cli('exec', '-u', 'ann', '-e', 'X=1', '-w', '/tmp', 'bg', 'sh', '-c', 'id -u; echo $X; pwd; exit 4')
  t.match(ex, { code: 4, stdout: '1000\n1\n/tmp\n' })
  t.match(await cli('exec', 'bg', 'nosuch'), { code: 127, stderr: /executable file not found/ })

  // sh as pid 1 has no handler for SIGTERM, which the kernel then ignores: stop needs SIGKILL.
  t.match(await cli('stop', '-t', '1', 'bg'), { code: 0, stdout: 'bg\n' })
  t.match(await cli('wait', 'bg'), { code: 0, stdout: '137\n' })
  t.match((await cli('ps', '-a', '--format', '{{.Names}} {{.Status}}')).stdout, /^bg Exited \(137\) /m)
  t.notOk((await cli('ps', '-q')).stdout.includes(id.slice(0, 12)), 'ps without -a leaves it out')
  t.same(cgroupsOf(id), [], 'no cgroup left once it ended')
  t.match(await cli('exec', 'bg', 'true'), { code: 1, stderr: /is not running/ })
  t.match(await cli('kill', 'bg'), { code: 1, stderr: /is not running/ })

  t.match(await cli('rm', 'bg'), { code: 0 })

  t.match(await cli('run', '--name', 'once', 'bb:run', 'sh', '-c', 'echo ran; exit 6'), { code: 6, stdout: 'ran\n' })
  t.match(await cli('start', '-a', 'once'), { code: 6, stdout: 'ran\n' }, 'start -a streams only the new output')
  t.equal((await cli('logs', 'once')).stdout, 'ran\nran\n', 'logs keep every run')
  t.match(await cli('start', 'once'), { code: 0, stdout: 'once\n' })
  t.match(await cli('wait', 'once'), { stdout: '6\n' })
  t.match(await cli('rm', 'once'), { code: 0 })

  const made = await cli('create', '--name', 'made', '-e', 'X=1', '-w', '/w', 'bb:run', 'sh', '-c', 'echo $X; pwd')
  t.equal(made.code, 0, made.stderr)
  t.match((await cli('ps', '-a', '--format', '{{.Names}} {{.Status}}')).stdout, /^made Created$/m)
  t.match(await cli('start', '-a', 'made'), { code: 0, stdout: '1\n/w\n' }, 'start runs what create was given')
  t.match(await cli('rm', 'made'), { code: 0 })
})

t.test('kill, logs -f until the end, and rm -f of a running container', async (t) => {
  const r = await cli(
    'run',
    '-d',
    '--name',
    'k',
    'bb:run',
    'sh',
    '-c',
    'trap "echo got term; exit 7" TERM; echo up; while :; do sleep 0.1; done',
  )
  t.equal(r.code, 0, r.stderr)
  await until('the trap to be set', async () => (await cli('logs', 'k')).stdout === 'up\n')
  const following = cli('logs', '-f', 'k')
  t.match(await cli('kill', '-s', 'SIGTERM', 'k'), { code: 0 })
  t.match(await following, { code: 0, stdout: 'up\ngot term\n' })
  t.match(await cli('wait', 'k'), { stdout: '7\n' })
  const f = await cli('run', '-d', '--name', 'f', 'bb:run', 'sleep', '1000')
  t.match(await cli('rm', '-f', 'f'), { code: 0, stdout: 'f\n' })
  t.same(cgroupsOf(f.stdout.trim()), [])
  t.match(await cli('rm', 'k'), { code: 0 })
})

t.test('unmount of a running container is refused (-f and mount.remove too), its root stays', async (t) => {
  const r = await cli('run', '-d', '--name', 'held', 'bb:run', 'sh', '-c', 'while :; do sleep 0.1; done')
  t.equal(r.code, 0, r.stderr)
  for (const args of [['unmount'], ['unmount', '-f']]) {
    const refused = await cli(...args, 'held')
    t.match(refused, { code: 1, stderr: /container held is running: stop it first/ }, `${args.join(' ')} refused`)
  }
  await t.rejects(client.call('container.unmount', { container: 'held', force: true }), { code: 'IN_USE' })
  // nor through the low-level mount API, by ID or target, forced or not (root only)
  const held = (await client.call('mount.list', {})).find((m) =>
    m.target.endsWith(`/containers/${r.stdout.trim()}/merged`),
  )
  t.ok(held, 'the running container has a supervised mount')
  for (const mount of [held?.id.slice(0, 12) ?? '', held?.target ?? ''])
    for (const force of [false, true])
      await t.rejects(client.call('mount.remove', { mount, force }), {
        code: 'IN_USE',
        message: /running container held/,
      })
  t.match(
    await cli('exec', 'held', 'ls', '/bin/sh'),
    { code: 0, stdout: '/bin/sh\n', stderr: '' },
    'its root is still there',
  )
  t.match(await cli('mount', 'held'), { code: 0 }, 'a mount of a running container counts one more')
  t.match(await cli('unmount', 'held'), { code: 0 }, 'and that one may go')
  t.match(await cli('unmount', 'held'), { code: 1, stderr: /is running/ }, 'but not the one start took')
  t.match(await cli('stop', '-t', '0', 'held'), { code: 0 })
  t.match(await cli('unmount', 'held'), { code: 0 }, 'stopped, it was given back: unmount has nothing to do')
  t.match(await cli('rm', 'held'), { code: 0 })
})

const disk = hostBlockDevice()
t.test(
  'a host disk made with mknod cannot be read; the standard devices work',
  { skip: disk ? false : 'no block device in /proc/partitions' },
  async (t) => {
    const [major, minor, name] = disk ?? [0, 0, '']
    const script = [
      `busybox mknod /tmp/disk b ${major} ${minor} && echo made`,
      'busybox head -c1 /tmp/disk >/dev/null && echo read the disk',
      'echo x >/dev/null && echo null',
      'busybox head -c4 /dev/zero | busybox wc -c',
      'busybox head -c4 /dev/urandom | busybox wc -c',
    ].join('; ')
    const r = await cli('run', '--rm', 'bb:run', 'sh', '-c', script)
    t.equal(r.stdout, 'made\nnull\n4\n4\n', `mknod is allowed (CAP_MKNOD), reading ${name} is not`)
    t.match(r.stderr, /head: \/tmp\/disk: Operation not permitted/, 'EPERM from the device cgroup')
    const tty = await cli('run', '--rm', '-t', 'bb:run', 'sh', '-c', 'echo via-tty >/dev/tty; busybox tty; ls /dev/pts')
    t.match(tty, { code: 0, stdout: /^via-tty\r\n\/dev\/pts\/0\r\n0 +ptmx\r\n$/ }, '/dev/tty and /dev/pts')
  },
)

t.test('commit of a running container freezes it meanwhile and leaves it running', async (t) => {
  // each count is renamed into place: a freeze between `>`'s truncate and its write would commit an empty file
  const loop = 'i=0; while :; do i=$((i+1)); echo $i > /count.new && mv /count.new /count; sleep 0.05; done'
  t.match(await cli('run', '-d', '--name', 'busy', 'bb:run', 'sh', '-c', loop), { code: 0 })
  const count = async () => Number((await cli('exec', 'busy', 'cat', '/count')).stdout)
  await until('it to count', async () => (await count()) > 0)
  t.match(await cli('commit', 'busy', 'bb:busy'), { code: 0 })
  t.notOk(
    d.logs.some((l) => l.includes('cannot freeze')),
    'frozen through the runtime',
  )
  const committed = Number((await cli('run', '--rm', 'bb:busy', 'cat', '/count')).stdout)
  t.ok(committed > 0, `the committed file holds a count (${committed})`)
  const after = await count()
  await until('it to go on counting', async () => (await count()) > after)
  t.match((await cli('ps', '--format', '{{.Names}} {{.Status}}')).stdout, /^busy Up /m)
  t.match(await cli('rm', '-f', 'busy'), { code: 0 })
})

t.test('a signal to a foreground run goes to the process (sig-proxy)', async (t) => {
  const script = 'trap "echo got int; exit 5" INT; echo up; while :; do sleep 0.1; done'
  const child = spawn(process.execPath, [STRATA_CLI, '-H', d.socket, 'run', '--rm', 'bb:run', 'sh', '-c', script])
  t.teardown(() => void child.kill('SIGKILL'))
  let out = ''
  child.stdout.on('data', (b: Buffer) => (out += b.toString()))
  const code = new Promise<number | null>((resolve) => child.once('exit', resolve))
  await until('the process to start', () => out === 'up\n')
  child.kill('SIGINT')
  t.equal(await code, 5, 'the exit status of the process, which got SIGINT')
  t.equal(out, 'up\ngot int\n')
})

t.test('--rm removes the container and releases its mount, also with -d', async (t) => {
  const before = (await client.call('container.list', { all: true })).length
  t.match(await cli('run', '--rm', 'bb:run', 'true'), { code: 0 })
  const d1 = await cli('run', '-d', '--rm', 'bb:run', 'sh', '-c', 'exit 2')
  const id = d1.stdout.trim()
  await until('the --rm container to go', async () =>
    (await client.call('container.list', { all: true })).every((c) => c.id !== id),
  )
  t.equal((await client.call('container.list', { all: true })).length, before)
  t.same(
    (await client.call('mount.list', {})).filter((m) => m.target.includes(id)),
    [],
    'no mount left',
  )
})

t.test("/etc/hostname, hosts and resolv.conf as Docker's; the init layer keeps diff and commit clean", async (t) => {
  const script = 'cat /etc/hostname; echo --; cat /etc/hosts; echo --; cat /etc/resolv.conf; touch /etc/new'
  const r = await cli('run', '--name', 'etc1', '--hostname', 'box', 'bb:run', 'sh', '-c', script)
  t.equal(r.code, 0, r.stderr)
  const [name, hosts, resolv] = r.stdout.split('--\n')
  t.equal(name, 'box\n')
  t.match(hosts, /^127\.0\.0\.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n/)
  t.equal(resolv, existsSync('/etc/resolv.conf') ? readFileSync('/etc/resolv.conf', 'utf8') : '')
  const host = await cli('run', '--rm', '--network', 'host', 'bb:run', 'cat', '/etc/hosts')
  t.equal(host.stdout, readFileSync('/etc/hosts', 'utf8'), "with the host's network, the host's /etc/hosts")
  // the image has no /proc, /sys, /dev or /etc/hosts: the runtime's mount targets come from the
  // init layer, so the container's changes are only its own
  t.equal((await cli('diff', 'etc1')).stdout, 'C /etc\nA /etc/new\n')
  t.match(await cli('commit', 'etc1', 'bb:etc'), { code: 0 })
  t.match(await cli('create', '--name', 'etc2', 'bb:etc'), { code: 0 })
  const tar = join(tmpdir(t), 'etc2.tar')
  t.match(await cli('export', '-o', tar, 'etc2'), { code: 0 })
  const names = execFileSync('tar', ['-tf', tar], { encoding: 'utf8' }).split('\n')
  t.ok(names.includes('etc/new'), 'the change was committed')
  t.same(
    names.filter((n) => /^(proc|sys|dev)\/?$|^etc\/(hosts|hostname|resolv\.conf)$/.test(n)),
    [],
    'and nothing of the init layer',
  )
  t.match(await cli('rm', 'etc1', 'etc2'), { code: 0 })
})

/** A block device of the host (major, minor, name): a disk when there is one, else a loop device. */
function hostBlockDevice(): [number, number, string] | undefined {
  const rows = readFileSync('/proc/partitions', 'utf8')
    .split('\n')
    .slice(2)
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length === 4)
  const row = rows.find((f) => !/^(loop|ram|zram)/.test(f[3] ?? '')) ?? rows[0]
  return row ? [Number(row[0]), Number(row[1]), row[3] ?? ''] : undefined
}
