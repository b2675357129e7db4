/**
 * The reader's listings of directories no lower layer shows (native-bindings/src/fuse-listing.c,
 * path-index.c; kept by daemon/fuse/upper-mirror.ts): after a tree is made through the mount, its
 * listings show what kernel overlayfs shows (names, types, modes, link counts, through chmods that
 * drop directories' dentries, renames, unlinks, an rmdir, a hard link, a symlink and a fifo, which
 * JavaScript lists), every entry's d_ino is its st_ino, a directory too long for the reader (over
 * 4,096 entries) is listed by JavaScript, and a reader that goes on after the directory changed
 * under it (JavaScript then answers the rest, from the offset the reader gave, or from the listing
 * it kept, which still has a name since unlinked) sees every entry that stayed exactly once. The lookups the reader's direntplus entries count are the kernel's: once
 * it forgets what it holds, the worker holds no node but the root.
 */
import t from 'tap'
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { buildStack, dir, file } from '../helpers/fixtures.js'
import { mountKernelOverlay } from '../helpers/kernel-overlay.js'
import { mountStrata, requestsOf, sessionEndOf } from '../helpers/strata-mount.js'
import { tmpdir } from '../helpers/tmpdir.js'

process.umask(0o022)

const LOWER = [dir('merged'), file('merged/low', 'l\n')]

const py = (cwd: string, script: string): string =>
  execFileSync('python3', ['-c', `import os\n${LISTING}\n${script}`], { cwd, encoding: 'utf8' }).trim()

/** listing(d): each entry's name, type, mode and link count as readdir and lstat show them; d_ino must be st_ino. */
const LISTING = `
def listing(d, show=True):
    out = []
    for e in sorted(os.scandir(d), key=lambda e: e.name):
        s = os.lstat(e.path)
        if e.inode() != s.st_ino:
            raise SystemExit('%s: d_ino %d, st_ino %d' % (e.path, e.inode(), s.st_ino))
        kind = 'd' if e.is_dir(follow_symlinks=False) else 'l' if e.is_symlink() else 'f' if e.is_file(follow_symlinks=False) else 'o'
        out.append('%s %s %o %d' % (e.name, kind, s.st_mode, s.st_nlink))
    return '%s (%d): %s' % (d, len(out), ', '.join(out) if show else '')
`

/** A tree made through the mount, then listed, changed and listed again. */
const WORKLOAD = `
out = []
def make(d, n, prefix='f'):
    os.makedirs(d, exist_ok=True)
    for i in range(n):
        with open('%s/%s%d' % (d, prefix, i), 'w') as f:
            f.write('x' * i)
make('new/a', 30); make('new/a/b', 10); make('new/c', 5); make('new/big', 3000); make('new/huge', 4100)
for d in ['new/a/b2', 'new/a/b3']:
    os.mkdir(d)
out += [listing(d) for d in ['new', 'new/a', 'new/a/b', 'new/c']] + [listing(d, False) for d in ['new/big', 'new/huge']]
for d in ['new/a', 'new/a/b', 'new/c', 'new']:
    os.chmod(d, 0o750)                          # the kernel drops a directory's dentry when its mode changes
out += [listing(d) for d in ['new', 'new/a', 'new/c']]
os.rename('new/a', 'new/c/a2'); os.mkdir('new/a', 0o700)
out += [listing(d) for d in ['new', 'new/c', 'new/c/a2', 'new/a']]
for i in range(0, 30, 3):
    os.unlink('new/c/a2/f%d' % i)
os.rmdir('new/c/a2/b3')
out.append(listing('new/c/a2'))
os.link('new/c/f1', 'new/c/hard')               # a second name: JavaScript lists that directory
os.symlink('f2', 'new/a/link'); os.mkfifo('new/a/fifo')
out += [listing(d) for d in ['new/c', 'new/a']]
dirs = files = 0
for _, ds, fs in os.walk('new'):
    dirs += len(ds); files += len(fs)
out.append('walk: %d dirs, %d files' % (dirs, files))
print('\\n'.join(out))
`

t.test('listings of upper-only directories match kernel overlayfs, and the reader gave them', async (t) => {
  const base = tmpdir(t, 'strata-readdir-')
  const k = buildStack(`${base}/k`, [LOWER])
  const kernel = mountKernelOverlay(t, k.lowers, k.upper as string, k.work as string, `${base}/k/mnt`)
  const m = await mountStrata(t, { ...buildStack(`${base}/s`, [LOWER]), mnt: `${base}/s/mnt` })
  t.equal(py(m.mnt, WORKLOAD), py(kernel.mnt, WORKLOAD))
  const r = await requestsOf(m)
  const byReader = (r['READDIRPLUS (reader)'] ?? 0) + (r['READDIR (reader)'] ?? 0)
  // not every listing: another test's drop_caches (global) makes the kernel forget nodes, and a
  // directory with an entry the kernel no longer holds is JavaScript's to list
  t.ok(byReader >= 2, `listings answered by the reader (${JSON.stringify(r)})`)
  t.ok((r.READDIRPLUS ?? 0) + (r.READDIR ?? 0) >= 3, 'the long directory and those with other entries by JavaScript')
})

/**
 * argv: dir, when. Reads part of the listing, changes the directory, reads on; prints what it saw
 * more or less than once. A symlink makes the reader leave the listing to JavaScript: made after the
 * first part ('late'), JavaScript goes on from the reader's offset; made before ('early'),
 * JavaScript lists it all, going on with the listing it read first, which still has the name unlinked.
 */
const GO_ON = `
import sys
d, when = sys.argv[1:3]
if when == 'early':
    os.symlink('f0', d + '/zz-link')
it = os.scandir(d)
seen = [next(it).name for _ in range(500)]
if when == 'late':
    os.symlink('f0', d + '/zz-link')
os.unlink(d + '/f1999'); open(d + '/new-file', 'w').close()
seen += [e.name for e in it]
stayed = {'f%d' % i for i in range(3000)} - {'f1999'}
twice = [n for n in set(seen) if seen.count(n) > 1]
print('missing %s twice %s' % (sorted(stayed - set(seen)), twice))
`

t.test('a reader going on after the directory changed sees every entry that stayed once', async (t) => {
  const base = tmpdir(t, 'strata-readdir-go-on-')
  const stack = buildStack(base, [LOWER])
  const m = await mountStrata(t, { ...stack, mnt: `${base}/mnt` })
  py(m.mnt, "os.mkdir('big')\nfor i in range(3000): open('big/f%d' % i, 'w').close()")
  writeFileSync(`${base}/go-on.py`, `import os\n${GO_ON}`)
  for (const [round, when] of ['late', 'late', 'late', 'early'].entries()) {
    const d = `big${round}`
    execFileSync('cp', ['-a', `${m.mnt}/big`, `${m.mnt}/${d}`]) // made through the mount: nodes the kernel holds
    const shown = execFileSync('python3', [`${base}/go-on.py`, d, when], { cwd: m.mnt, encoding: 'utf8' })
    t.equal(shown.trim(), 'missing [] twice []', `${d}, the symlink made ${when}`)
  }
  const r = await requestsOf(m)
  t.ok((r['READDIRPLUS (reader)'] ?? 0) + (r['READDIR (reader)'] ?? 0) >= 1, `the reader began (${JSON.stringify(r)})`)
  t.ok((r.READDIRPLUS ?? 0) + (r.READDIR ?? 0) >= 3, 'and JavaScript went on')
})

t.test('once the kernel forgets what it holds, the worker holds no node but the root', async (t) => {
  const base = tmpdir(t, 'strata-readdir-forget-')
  const m = await mountStrata(t, { ...buildStack(base, [LOWER]), mnt: `${base}/mnt` })
  // every round lists the directories again (a new file in each drops the kernel's cached listing),
  // and each listing links the subdirectories once more: a lookup each that the reader counted
  const rounds = `
for d in ['t', 't/a', 't/a/b', 't/c']:
    os.makedirs(d, exist_ok=True)
for r in range(5):
    for d in ['t', 't/a', 't/a/b', 't/c']:
        open('%s/r%d' % (d, r), 'w').close()
    for d in ['t', 't/a', 't/a/b', 't/c']:
        listing(d, False)
`
  py(m.mnt, rounds)
  execFileSync('sh', ['-c', 'sync && echo 2 > /proc/sys/vm/drop_caches'])
  // forgets are queued by the eviction and read before any request that follows them
  for (let i = 0; i < 5; i++) execFileSync('stat', ['--cached=never', m.mnt], { stdio: 'ignore' })
  const end = await sessionEndOf(m)
  t.ok(
    (end.requests['READDIRPLUS (reader)'] ?? 0) >= 1,
    `the reader linked directories (${JSON.stringify(end.requests)})`,
  )
  t.equal(end.nodes, 1, 'only the root is left')
})
