/**
 * strata-overlay as a filesystem people use: ownership for non-root callers, nanosecond times,
 * hard links and stable inode numbers, open files that are renamed or unlinked, mmap, a 1 GiB
 * file, readers during a copy-up, unmount from outside, and a busybox root filesystem in chroot.
 */
import t from 'tap'
import { execFileSync, spawn } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, symlinkSync } from 'node:fs'
import { buildStack, dir, file, type Entry } from '../helpers/fixtures.js'
import { isMounted } from '../helpers/kernel-overlay.js'
import { mountStrata, type StrataMount } from '../helpers/strata-mount.js'
import { tmpdir } from '../helpers/tmpdir.js'

process.umask(0o022)

async function strata(
  t: Parameters<typeof tmpdir>[0],
  layers: Entry[][],
  options: string[] = [],
): Promise<StrataMount & { upper: string }> {
  const base = tmpdir(t, 'strata-posix-')
  const dirs = buildStack(base, layers)
  const m = await mountStrata(t, { ...dirs, mnt: `${base}/mnt`, options })
  return { ...m, upper: dirs.upper }
}

const sh = (cwd: string, script: string, user?: number): string =>
  execFileSync(
    user === undefined ? 'sh' : 'setpriv',
    user === undefined ? ['-c', script] : [`--reuid=${user}`, `--regid=${user}`, '--clear-groups', 'sh', '-c', script],
    {
      cwd,
      encoding: 'utf8',
    },
  )

t.test('a non-root caller owns what it creates and is refused what it may not touch', async (t) => {
  const m = await strata(t, [[dir('pub', { mode: 0o777 }), file('pub/root-file', 'r', { mode: 0o644 })]])
  sh(`${m.mnt}/pub`, 'echo one > mine && echo two >> mine && chmod 600 mine && mkdir d && ln -s mine l', 65534)
  t.equal(sh(`${m.mnt}/pub`, 'stat -c "%u:%g %a" mine d'), '65534:65534 600\n65534:65534 755\n')
  t.equal(sh(`${m.mnt}/pub`, 'stat -c "%u:%g" l'), '65534:65534\n')
  t.equal(readFileSync(`${m.mnt}/pub/mine`, 'utf8'), 'one\ntwo\n')
  t.equal(statSync(`${m.upper}/pub/mine`).uid, 65534, 'upper/ holds the caller as owner')
  t.throws(() => sh(`${m.mnt}/pub`, 'echo x >> root-file', 65534), /Permission denied/)
  t.throws(() => sh(`${m.mnt}/pub`, 'chmod 777 root-file', 65534), /Operation not permitted/)
  t.equal(readFileSync(`${m.mnt}/pub/root-file`, 'utf8'), 'r')
})

t.test('setid bits go when an unprivileged caller writes, truncates or changes the owner, as on ext4', async (t) => {
  const m = await strata(t, [
    [
      dir('pub', { mode: 0o777 }),
      file('pub/lower-suid', 'l', { mode: 0o6775, uid: 65534, gid: 65534 }),
      file('pub/lower-nogx', 'l', { mode: 0o2664, uid: 65534, gid: 65534 }),
    ],
  ])
  const modes = (names: string) => sh(`${m.mnt}/pub`, `stat -c "%n %a" ${names}`)
  sh(`${m.mnt}/pub`, 'echo x >> lower-suid && echo x >> lower-nogx', 65534)
  t.equal(
    modes('lower-suid lower-nogx'),
    'lower-suid 775\nlower-nogx 2664\n',
    'a write: suid and sgid with group-exec go',
  )
  sh(`${m.mnt}/pub`, 'touch t && chmod 4755 t && truncate -s 1 t && stat -c %a t', 65534)
  t.equal(modes('t'), 't 755\n', 'a truncate by the owner drops suid')
  sh(`${m.mnt}/pub`, 'touch w && chmod 4755 w && echo y > w', 65534)
  t.equal(modes('w'), 'w 755\n', 'an O_TRUNC open and write drop suid')
  sh(`${m.mnt}/pub`, 'touch r && chmod 4755 r && chown 0 r && echo z >> r')
  t.equal(modes('r'), 'r 755\n', 'chown drops suid even for root (as ext4 does)')
  sh(`${m.mnt}/pub`, 'touch k && chmod 4755 k && echo z >> k')
  t.equal(modes('k'), 'k 4755\n', 'a write by root keeps it')
})

t.test('timestamps round-trip in nanoseconds', async (t) => {
  const m = await strata(t, [[file('f', 'x'), file('g', 'y')]])
  const stamp = (p: string) => sh(m.mnt, `stat -c "%x|%y" ${p}`).trim()
  sh(m.mnt, "touch -d '2001-02-03 04:05:06.123456789 UTC' f")
  t.equal(stamp('f'), '2001-02-03 04:05:06.123456789 +0000|2001-02-03 04:05:06.123456789 +0000')
  sh(m.mnt, "touch -a -d '2002-01-01 00:00:00.000000001 UTC' f")
  t.equal(stamp('f'), '2002-01-01 00:00:00.000000001 +0000|2001-02-03 04:05:06.123456789 +0000', 'touch -a alone')
  sh(m.mnt, "touch -m -d '2003-01-01 00:00:00.999999999 UTC' f")
  t.equal(stamp('f'), '2002-01-01 00:00:00.000000001 +0000|2003-01-01 00:00:00.999999999 +0000', 'touch -m alone')
  sh(m.mnt, 'cp -p f copied')
  t.equal(stamp('copied').split('|')[1], '2003-01-01 00:00:00.999999999 +0000', 'cp -p')
  sh(
    m.mnt,
    'tar -cf /tmp/strata-posix-$$.tar f && mkdir x && tar -xf /tmp/strata-posix-$$.tar -C x && rm /tmp/strata-posix-$$.tar',
  )
  t.equal(stamp('x/f').split('|')[1]?.slice(0, 19), '2003-01-01 00:00:00', 'tar -x restores mtime')
})

t.test('hard links share nlink and inode number; inode numbers survive copy-up', async (t) => {
  const m = await strata(t, [[file('a', 'data'), file('lower', 'L')]])
  const before = sh(m.mnt, 'stat -c %i lower')
  sh(m.mnt, 'echo more >> lower')
  t.equal(sh(m.mnt, 'stat -c %i lower'), before, 'same inode number after copy-up')
  sh(m.mnt, 'ln a b && ln b c')
  t.equal(sh(m.mnt, 'stat -c "%h %i" a b c').split('\n').filter(Boolean).length, 3)
  const [a, b, c] = sh(m.mnt, 'stat -c "%h %i" a b c').trim().split('\n')
  t.equal(a, b)
  t.equal(b, c)
  t.match(a, /^3 /)
  sh(m.mnt, 'rm c')
  t.match(sh(m.mnt, 'stat -c %h a'), /^2/)
})

t.test('open files survive rename and unlink', async (t) => {
  const m = await strata(t, [[file('f', 'lower data\n')]])
  t.equal(sh(m.mnt, 'exec 3<f; mv f g; rm g; cat <&3'), 'lower data\n')
  t.equal(sh(m.mnt, 'echo new > n; exec 3<n; rm n; cat <&3'), 'new\n')
  t.notOk(existsSync(`${m.mnt}/f`))
  const py = `
import os
fd = os.open("u", os.O_CREAT | os.O_RDWR, 0o644)
os.write(fd, b"x" * 100000)
os.unlink("u")
os.ftruncate(fd, 10)
size = os.fstat(fd).st_size
hole = os.lseek(fd, 0, os.SEEK_HOLE)
os.fchmod(fd, 0o600)
print(size, hole, oct(os.fstat(fd).st_mode & 0o777))
os.close(fd)`
  t.equal(
    sh(m.mnt, `python3 -c '${py}'`),
    '10 10 0o600\n',
    'an unlinked open file: ftruncate, fstat, SEEK_HOLE, fchmod',
  )
})

t.test('SEEK_DATA and SEEK_HOLE show the holes of a sparse file through the mount', async (t) => {
  const m = await strata(t, [[file('f', 'abc')]])
  const py = `
import os
fd = os.open("sparse", os.O_CREAT | os.O_RDWR, 0o644)
os.pwrite(fd, b"d" * 4096, 1 << 20)
print(os.lseek(fd, 0, os.SEEK_DATA), os.lseek(fd, 1 << 20, os.SEEK_HOLE))
try:
    os.lseek(fd, 2 << 20, os.SEEK_DATA)
except OSError as e:
    print(e.errno)
os.close(fd)`
  t.equal(sh(m.mnt, `python3 -c '${py}'`), `${1 << 20} ${(1 << 20) + 4096}\n6\n`, 'data at 1 MiB, ENXIO past the end')
})

t.test('fallocate through the mount allocates on the upper copy', async (t) => {
  const m = await strata(t, [[file('f', 'abc')]])
  sh(m.mnt, 'fallocate -l 1048576 f && fallocate -l 4096 -o 2097152 new')
  t.equal(statSync(`${m.mnt}/f`).size, 1048576)
  sh(m.mnt, 'sync f') // the durable copy reaches upper/ once synced (docs/decisions.md); upper/ is read directly
  t.equal(statSync(`${m.upper}/f`).size, 1048576)
  t.equal(readFileSync(`${m.mnt}/f`).subarray(0, 3).toString(), 'abc')
  t.equal(statSync(`${m.mnt}/new`).size, 2097152 + 4096)
})

t.test('mmap reads and writes', async (t) => {
  const m = await strata(t, [[file('map', Buffer.alloc(8192, 'a'))]])
  const py = `
import mmap
with open('map', 'r+b') as f:
    mm = mmap.mmap(f.fileno(), 0)
    assert mm[:4] == b'aaaa'
    mm[4096:4100] = b'WXYZ'
    mm.flush(); mm.close()
print(open('map','rb').read()[4094:4102].decode())`
  t.equal(execFileSync('python3', ['-c', py], { cwd: m.mnt, encoding: 'utf8' }), 'aaWXYZaa\n')
})

t.test('a 1 GiB file written and read back with the same checksum', async (t) => {
  const m = await strata(t, [[dir('d')]])
  const out = sh(m.mnt, 'head -c 1073741824 /dev/urandom | tee d/big | sha256sum; sha256sum < d/big')
  const [written, read] = out
    .trim()
    .split('\n')
    .map((l) => l.split(' ')[0])
  t.equal(read, written)
  t.equal(statSync(`${m.upper}/d/big`).size, 1073741824)
  sh(m.mnt, 'rm d/big')
})

t.test('readers keep reading while another process copies the same file up', async (t) => {
  const data = Buffer.alloc(64 * 1024 * 1024, 'z')
  const m = await strata(t, [[file('shared', data)]])
  const readers = Array.from(
    { length: 3 },
    () =>
      new Promise<string>((resolve, reject) => {
        const p = spawn('sh', ['-c', 'for i in 1 2 3; do sha256sum < shared; done'], { cwd: m.mnt })
        let out = ''
        p.stdout.on('data', (d: Buffer) => (out += d.toString()))
        p.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`reader exited ${code}`))))
      }),
  )
  sh(m.mnt, 'echo appended >> shared')
  const sums = (await Promise.all(readers)).join('').trim().split('\n')
  t.equal(sums.length, 9)
  t.equal(statSync(`${m.mnt}/shared`).size, data.length + 9)
})

t.test('umount -l from outside makes the worker exit', async (t) => {
  const m = await strata(t, [[file('f', 'x')]])
  execFileSync('umount', ['-l', m.mnt])
  const code = await new Promise((resolve) =>
    m.worker.exitCode !== null ? resolve(m.worker.exitCode) : m.worker.once('exit', resolve),
  )
  t.equal(code, 0)
  t.notOk(isMounted(m.mnt))
})

t.test('a busybox root filesystem under chroot, as root and as a non-root user', async (t) => {
  const base = tmpdir(t, 'strata-rootfs-')
  const rootfs = `${base}/rootfs`
  for (const d of ['bin', 'etc', 'tmp', 'home/user']) mkdirSync(`${rootfs}/${d}`, { recursive: true })
  copyFileSync('/bin/busybox', `${rootfs}/bin/busybox`)
  execFileSync('chmod', ['755', `${rootfs}/bin/busybox`])
  execFileSync('chmod', ['1777', `${rootfs}/tmp`])
  execFileSync('chown', ['65534:65534', `${rootfs}/home/user`])
  for (const app of ['sh', 'ls', 'cat', 'echo', 'mkdir', 'rm', 'mv', 'touch', 'chmod', 'ln', 'stat', 'id', 'sed']) {
    symlinkSync('busybox', `${rootfs}/bin/${app}`)
  }
  execFileSync('sh', ['-c', `echo 'root:x:0:0::/root:/bin/sh' > ${rootfs}/etc/passwd; echo hello > ${rootfs}/etc/motd`])
  for (const d of ['upper', 'work']) mkdirSync(`${base}/${d}`)
  const m = await mountStrata(t, { lowers: [rootfs], upper: `${base}/upper`, work: `${base}/work`, mnt: `${base}/mnt` })
  const inRoot = (script: string, user?: string) =>
    execFileSync('chroot', [...(user ? [`--userspec=${user}`] : []), m.mnt, '/bin/sh', '-c', script], {
      encoding: 'utf8',
    })
  inRoot(
    'echo created > /etc/new; sed -i s/hello/bye/ /etc/motd; rm /etc/passwd; mkdir /srv; mv /etc/new /srv/moved; chmod 700 /srv',
  )
  t.equal(inRoot('cat /srv/moved /etc/motd; ls /etc; stat -c %a /srv'), 'created\nbye\nmotd\n700\n')
  t.equal(
    inRoot('cd /home/user && echo mine > f && ln -s f l && mkdir d && rm -r d && id -u && stat -c %u f', '65534:65534'),
    '65534\n65534\n',
  )
  t.throws(() => inRoot('echo no > /etc/motd', '65534:65534'), /Permission denied/)
  t.equal(readFileSync(`${rootfs}/etc/motd`, 'utf8'), 'hello\n', 'the lower layer is untouched')
})
