/**
 * Deep paths and names of any bytes through a strata mount, against kernel overlayfs on the same
 * layers (issue 14 item 3): every call that takes a path works on a path of 4,095 bytes below the
 * mount (the most PATH_MAX allows), on a new file and on a lower one (copy-up), and a 255-byte
 * name may hold any byte but '/' and NUL, in a lower layer (listed, read, hidden by a whiteout) and
 * made through the mount. The transcripts of what a user sees and the upper trees the two leave
 * must be the same. Python walks the trees (os.fwalk works through directory descriptors, so a
 * deep tree is no problem for it).
 */
import t from 'tap'
import { execFileSync } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { mountKernelOverlay } from '../helpers/kernel-overlay.js'
import { mountStrata } from '../helpers/strata-mount.js'
import { tmpdir } from '../helpers/tmpdir.js'

const python = (cwd: string, script: string, ...args: string[]): string =>
  execFileSync('python3', ['-c', script, ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })

/** Shared by the scripts: walk down to the deep directory, making it with `make`. */
const DEEP = String.raw`
import os, stat, sys
def deep(make):
    total = 0
    for i in range(19):
        d = chr(ord('a') + i) * 200
        if make: os.mkdir(d)
        os.chdir(d); total += 201
    d = 'z' * (4095 - total - 101)
    if make: os.mkdir(d)
    os.chdir(d); total += len(d) + 1
    return total
NAMES = [b'\x80', b'\xff' * 255, b'a\xc3', bytes(range(1, 47)) + bytes(range(48, 256)), 'caf\u00e9'.encode()]
`

/** The lower layer: a deep file and files with byte names. */
const LOWER =
  DEEP +
  String.raw`
os.mkdir('deep'); os.chdir('deep'); deep(True)
with open('L' * 100, 'w') as f: f.write('lower\n')
os.chdir('/'); os.chdir(sys.argv[1]); os.mkdir('bytes')
for n in NAMES:
    with open(b'bytes/' + n[:255], 'wb') as f: f.write(n[:8])
`

/** What a user does and sees through the mount. */
const SCRIPT =
  DEEP +
  String.raw`
def show(what, f):
    try: print(what, f())
    except OSError as e: print(what, 'error', e.errno)
top = os.getcwd()
os.chdir('deep'); depth = deep(False) + len('deep/')
lf = 'L' * 100
print('depth of the lower file', depth + len(lf))
show('read lower', lambda: open(lf).read())
with open(lf, 'a') as f: f.write('more\n')
show('after copy-up', lambda: open(lf).read())
os.chdir(top); os.mkdir('new'); os.chdir('new'); depth = deep(True) + len('new/')
n = 'n' * (4095 - depth)
print('depth of the new file', depth + len(n))
fd = os.open(n, os.O_CREAT | os.O_RDWR, 0o644); os.write(fd, b'0123456789'); os.close(fd)
os.chmod(n, 0o640); os.chown(n, 1000, 1001); os.truncate(n, 4)
st = os.lstat(n); print('new', oct(st.st_mode), st.st_uid, st.st_gid, st.st_size, st.st_nlink)
m = n[:-1] + 'm'
os.link(n, m); print('linked', os.lstat(n).st_nlink); os.unlink(m)
os.rename(n, m); os.rename(m, n); print('renamed back', os.path.exists(n))
os.symlink('somewhere', m); print('symlink', os.readlink(m)); os.unlink(m)
os.mkfifo(m); print('fifo', stat.S_ISFIFO(os.lstat(m).st_mode)); os.unlink(m)
os.mknod(m, 0o600 | stat.S_IFCHR, os.makedev(1, 3)); print('char', os.major(os.lstat(m).st_rdev)); os.unlink(m)
os.mkdir(m); os.rmdir(m)
print('listing', sorted(os.listdir('.')) == [n])
os.chdir(top); os.chdir('bytes')
print('lower names', sorted(os.listdir(b'.')))
for name in NAMES: print('read', name[:4], open(name[:255], 'rb').read())
os.unlink(NAMES[0]); os.rename(NAMES[1], b'moved\xfe')
for name in [b'\x01new', b'\xfe\xfd' * 127, b'\xc3(']:
    with open(name, 'wb') as f: f.write(name[:3])
os.symlink(b'\xf0\x28\x8c\x28', b'link\xf0'); print('link', os.readlink(b'link\xf0'))
os.mkdir(b'dir\x81'); os.rmdir(b'dir\x81'); os.mkdir(b'dir\x82')
print('names now', sorted(os.listdir(b'.')))
`

/** The upper tree: path, type, mode, size, rdev, opaque mark (overlayfs's own xattrs left out). */
const UPPER = String.raw`
import os, stat
lines = []
for top, dirs, files, dfd in os.fwalk(b'.'):
    try: opaque = os.getxattr(dfd, b'trusted.overlay.opaque')
    except OSError: opaque = b''
    lines.append((top, repr(top[-40:]) + ' %d opaque %r' % (len(top), opaque)))
    for name in dirs + files:
        st = os.lstat(name, dir_fd=dfd)
        kind = stat.S_IFMT(st.st_mode)
        size = st.st_size if kind == stat.S_IFREG else 0
        lines.append((top + b'/' + name, '%r %d %o %o %d %d' % (name[-40:], len(top) + len(name), kind, st.st_mode & 0o7777, size, st.st_rdev)))
for _, line in sorted(lines): print(line)
`

t.test('deep paths and names of any bytes behave as on kernel overlayfs', async (t) => {
  const seen: Array<{ user: string; upper: string }> = []
  for (const backend of ['overlayfs', 'strata'] as const) {
    const base = tmpdir(t, `strata-deep-${backend}-`)
    const lower = `${base}/lower`
    for (const d of ['lower', 'upper', 'work', 'mnt']) mkdirSync(`${base}/${d}`)
    python(lower, LOWER, lower)
    const mnt = `${base}/mnt`
    let user: string
    if (backend === 'overlayfs') {
      const k = mountKernelOverlay(t, [lower], `${base}/upper`, `${base}/work`, mnt)
      user = python(mnt, SCRIPT)
      k.unmount()
    } else {
      const m = await mountStrata(t, { lowers: [lower], upper: `${base}/upper`, work: `${base}/work`, mnt })
      user = python(mnt, SCRIPT)
      await m.unmount()
    }
    seen.push({ user, upper: python(`${base}/upper`, UPPER) })
  }
  const [kernel, strata] = seen as [(typeof seen)[0], (typeof seen)[0]]
  t.match(kernel.user, /depth of the new file 4095\n/, 'the oracle: a 4,095-byte path below the mount')
  t.match(kernel.user, /after copy-up lower\nmore\n/, 'the oracle: a deep lower file copied up')
  t.equal(strata.user, kernel.user, 'what a user sees')
  t.equal(strata.upper, kernel.upper, 'the upper trees')
})
