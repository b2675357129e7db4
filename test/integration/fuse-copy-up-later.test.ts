/**
 * Durable copy-ups handed out before their install (daemon/overlay/copy-up.ts copyUpLater: the
 * fsync is shared by a batch, then the copy is renamed into upper/), through a real mount. What
 * a program sees right after each copy-up matches kernel overlayfs, which copies up in place:
 * the data it wrote (O_APPEND too), attributes, xattrs and inode number read back at once; an fsync that
 * returned means the copy is in upper/; a rename, unlink, chmod, hard link, setxattr or truncate
 * right after the close, a rename of the directory above, a listing and a second open of the
 * same file all see the copy (copy-up-gate.ts holds them until it is installed). Afterwards
 * upper/ holds what kernel overlayfs's holds, and work/ nothing. A pause, and the exit after an
 * unmount, come only once every copy handed out is installed. A worker killed before its copies
 * are installed leaves upper/ as it was, and the next worker installs them. Where a copy
 * must still be pending when asked, the worker's STRATA_TEST_SYNC_DELAY_MS makes the disk slow. An fsync of
 * a copy whose install failed (a file put at its name behind the mount's back) says EIO.
 */
import t from 'tap'
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { scriptAcrossPause } from '../helpers/across-pause.js'
import { buildStack, dir, file, type Entry } from '../helpers/fixtures.js'
import { mountKernelOverlay } from '../helpers/kernel-overlay.js'
import { mountStrata } from '../helpers/strata-mount.js'
import { tmpdir } from '../helpers/tmpdir.js'

process.umask(0o022)

const DIRS = ['d0', 'd1', 'd2', 'd3']
const LOWER: Entry[] = DIRS.flatMap((d) => [
  dir(d),
  ...Array.from({ length: 50 }, (_, i) => file(`${d}/f${i}`, `lower ${d} ${i}\n`, { xattrs: { 'user.k': `${i}` } })),
])

const WORKLOAD = `
import os, sys
upper, out = sys.argv[1], []
def show(p):
    s = os.stat(p)
    return '%s %o %d %d %r %s' % (p, s.st_mode, s.st_nlink, s.st_size, open(p).read(), sorted(os.listxattr(p)))
def listing(d):
    return ' '.join('%s:%o:%d:%d' % (n, s.st_mode, s.st_nlink, s.st_size)
                    for n, s in sorted((e.name, e.stat()) for e in os.scandir(d)))
def append(p, data):
    fd = os.open(p, os.O_RDWR); os.lseek(fd, 0, 2); os.write(fd, data); os.close(fd)
for i in range(50):
    p = 'd0/f%d' % i
    ino = os.stat(p).st_ino
    append(p, b'+%d' % i)
    out.append('%s same inode: %s' % (show(p), os.stat(p).st_ino == ino))
for i in range(10):
    with open('d1/f%d' % i, 'w') as f: f.write('new %d' % i)
    out.append(show('d1/f%d' % i))
for i in range(30, 35):
    with open('d1/f%d' % i, 'a') as f: f.write('A')
    out.append(show('d1/f%d' % i))
fd = os.open('d1/f20', os.O_RDWR); os.write(fd, b'S'); os.fsync(fd)
out.append('in upper/ after fsync: %r' % open(os.path.join(upper, 'd1/f20')).read())
os.close(fd)
append('d2/f0', b'R'); os.rename('d2/f0', 'd2/renamed')
append('d2/f1', b'U'); os.unlink('d2/f1')
append('d2/f2', b'C'); os.chmod('d2/f2', 0o600)
append('d2/f3', b'L'); os.link('d2/f3', 'd2/hard')
append('d2/f4', b'X'); os.setxattr('d2/f4', 'user.new', b'1')
append('d2/f5', b'T'); os.truncate('d2/f5', 3)
a = os.open('d2/f6', os.O_RDWR); b = os.open('d2/f6', os.O_RDWR)
os.write(a, b'A'); out.append('second open reads %r' % os.pread(b, 4, 0)); os.close(a); os.close(b)
out.append(listing('d2'))
for n in ['renamed', 'f2', 'hard', 'f4', 'f5', 'f6']: out.append(show('d2/' + n))
print('\\n'.join(out))
`

/** A rename of the directory above right after (kernel overlayfs without redirect_dir refuses it: EXDEV). */
const MOVE_DIR = `
import os
fd = os.open('d3/f0', os.O_RDWR); os.lseek(fd, 0, 2); os.write(fd, b'M'); os.close(fd)
os.rename('d3', 'd3moved')
print(open('d3moved/f0').read())
`

const run = (cwd: string, upper: string) =>
  execFileSync('python3', ['-c', WORKLOAD, upper], { cwd, encoding: 'utf8' }).trim()

/** Every entry below `root`: a regular file with its content, anything else with its kind; sorted. */
function files(root: string, at = ''): string[] {
  return readdirSync(`${root}/${at}`, { withFileTypes: true })
    .flatMap((e) => {
      const p = at ? `${at}/${e.name}` : e.name
      if (e.isDirectory()) return files(root, p)
      return [e.isFile() ? `${p}=${readFileSync(`${root}/${p}`, 'utf8')}` : `${p} (not a file)`]
    })
    .sort()
}

t.test('right after each copy-up the mount shows what kernel overlayfs shows', async (t) => {
  const base = tmpdir(t, 'strata-later-')
  const k = buildStack(`${base}/k`, [LOWER])
  const kernel = mountKernelOverlay(t, k.lowers, k.upper as string, k.work as string, `${base}/k/mnt`)
  const s = buildStack(`${base}/s`, [LOWER])
  const m = await mountStrata(t, { ...s, mnt: `${base}/s/mnt` })
  const want = run(kernel.mnt, k.upper as string)
  t.match(want, /in upper\/ after fsync: 'Sower d1 20\\n'/)
  t.match(want, /d0\/f7 100644 1 13 'lower d0 7\\n\+7' \['user.k'\] same inode: True/)
  t.equal(run(m.mnt, s.upper as string), want)
  t.equal(execFileSync('python3', ['-c', MOVE_DIR], { cwd: m.mnt, encoding: 'utf8' }), 'lower d3 0\nM\n')
  await m.unmount()
  const moved = (f: string) => !f.startsWith('d3')
  t.same(files(s.upper as string).filter(moved), files(k.upper as string), 'upper/ holds the same files')
  t.same(readdirSync(s.work as string), [], 'work/ holds nothing')
})

/** argv: directories; each file in them opened for writing, a byte written at its start, closed */
const MANY = `
import os, sys
for d in sys.argv[1:]:
    for i in range(50):
        fd = os.open('%s/f%d' % (d, i), os.O_RDWR); os.write(fd, b'W'); os.close(fd)
`

/** MANY's script, then 'ready', then a line read from stdin */
const MANY_THEN_WAIT = `${MANY}
print('ready', flush=True)
sys.stdin.readline()
`

/** upper/'s files once MANY wrote in `dirs`, as files() lists them */
const written = (dirs: string[]) =>
  dirs.flatMap((d) => Array.from({ length: 50 }, (_, i) => `${d}/f${i}=Wower ${d} ${i}\n`)).sort()

t.test('a pause, and the exit after an unmount, come once every copy handed out is installed', async (t) => {
  const base = tmpdir(t, 'strata-later-')
  const s = buildStack(base, [LOWER])
  const upper = s.upper as string
  // each batch's fsync starts 300 ms late, as on a slow disk: the copies are still pending when asked
  const m = await mountStrata(t, { ...s, mnt: `${base}/mnt`, env: { STRATA_TEST_SYNC_DELAY_MS: '300' } })
  const paused = (dirs: string[]) => () => t.same(files(upper), written(dirs), 'paused: every copy is in upper/')
  const script = MANY_THEN_WAIT.replace('sys.argv[1:]', "['d0', 'd1']")
  await scriptAcrossPause(t, m, s.work as string, script, paused(['d0', 'd1']), 'ready')
  execFileSync('python3', ['-c', MANY, 'd2', 'd3'], { cwd: m.mnt })
  await m.unmount() // returns once the worker exited
  t.same(files(upper), written(DIRS), 'every copy made before the unmount is in upper/')
  t.same(readdirSync(s.work as string), [])
})

t.test('copies a killed worker had handed out are installed by the next worker', async (t) => {
  const base = tmpdir(t, 'strata-later-')
  const s = buildStack(base, [LOWER])
  const mnt = `${base}/mnt`
  const m = await mountStrata(t, { ...s, mnt, env: { STRATA_TEST_SYNC_DELAY_MS: '60000' } })
  execFileSync('python3', ['-c', MANY, 'd0'], { cwd: m.mnt })
  m.worker.kill('SIGKILL')
  await m.unmount()
  t.same(files(s.upper as string), [], 'no copy reached upper/')
  t.equal(readdirSync(s.work as string).length, 50, 'the copies were staged in work/')
  const again = await mountStrata(t, { ...s, mnt })
  t.same(readdirSync(s.work as string), [], "the next worker settled the dead one's staging")
  t.same(files(s.upper as string), written(['d0']), 'and installed every copy, with what was written')
  t.equal(readFileSync(`${mnt}/d0/f0`, 'utf8'), 'Wower d0 0\n')
  const xattrs = execFileSync('getfattr', ['-d', '-m', '-', `${mnt}/d0/f1`], { encoding: 'utf8' })
  t.same(xattrs.trim().split('\n').slice(1), ['user.k="1"'], "the lower file's xattrs, nothing private")
  await again.unmount()
})

/** argv: upper/. A copy is handed out; a file put at its name behind the mount's back makes the install fail. */
const LOST = `
import os, sys
fd = os.open('d0/f0', os.O_RDWR); os.write(fd, b'W')
open(os.path.join(sys.argv[1], 'd0/f0'), 'w').write('behind its back')
try:
    os.fsync(fd); print('fsync: ok')
except OSError as e:
    print('fsync: errno', e.errno)
os.close(fd)
`

t.test('an fsync of a copy whose install failed says EIO', async (t) => {
  const base = tmpdir(t, 'strata-later-')
  const s = buildStack(base, [LOWER])
  const m = await mountStrata(t, { ...s, mnt: `${base}/mnt`, env: { STRATA_TEST_SYNC_DELAY_MS: '300' } })
  t.equal(
    execFileSync('python3', ['-c', LOST, s.upper as string], { cwd: m.mnt, encoding: 'utf8' }),
    'fsync: errno 5\n',
  )
  await m.unmount()
  t.match(m.log.join('\n'), /a copy-up handed out before its install failed/)
  t.same(readdirSync(s.work as string), [])
})
