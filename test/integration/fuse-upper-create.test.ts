/**
 * Files the reader makes itself (native-bindings/src/fuse-create.c, with its note to JavaScript:
 * daemon/fuse/ops/file.ts readerCreated): CREATE of a regular file in a directory made through the
 * mount. What stat, read and readdir show after a mixed workload matches kernel overlayfs: modes
 * with the caller's umask and without one, a file made by another uid, O_EXCL over a name that is
 * there, writes through the new handle and a second one, chmod, chown, utime, a hard link and a
 * rename of new files, names outside ASCII, files in a merged and in a setgid directory (both
 * JavaScript's). The reader made most of them; no node is left once the kernel forgets; 3,000 files
 * in one directory (the reader's tables grow) are each there with their own content. A paused
 * worker holds a create until it resumes. With a change journal, diff finds every file the reader
 * made, and a file made in a directory the journal lacks is JavaScript's, which records it.
 */
import t from 'tap'
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { changesOf } from '../../daemon/diff/changes.js'
import { readJournal } from '../../daemon/diff/journal.js'
import { scriptAcrossPause } from '../helpers/across-pause.js'
import { buildStack, dir, file } from '../helpers/fixtures.js'
import { mountKernelOverlay } from '../helpers/kernel-overlay.js'
import { mountStrata, sessionEndOf } from '../helpers/strata-mount.js'
import { tmpdir } from '../helpers/tmpdir.js'

process.umask(0o022)

const LOWER = [dir('merged'), file('merged/low', 'l\n')]

const py = (cwd: string, script: string): string =>
  execFileSync('python3', ['-c', `import os, errno\n${SHOW}\n${script}`], { cwd, encoding: 'utf8' }).trim()

/** tree(d): every entry below d with its type and mode, owner, link count, size and content. */
const SHOW = `
def tree(d):
    out = []
    for root, ds, fs in os.walk(d):
        for n in sorted(ds + fs):
            p = os.path.join(root, n)
            s = os.lstat(p)
            body = open(p, 'rb').read() if n in fs else b''
            out.append('%s %o %d:%d %d %r' % (p, s.st_mode, s.st_uid, s.st_gid, s.st_nlink, body))
    return '%s: %s' % (d, ', '.join(sorted(out)))
`

const WORKLOAD = `
out = []
os.makedirs('n/sub'); os.chmod('n', 0o777)
for i in range(30):
    with open('n/f%d' % i, 'w') as f: f.write('x' * i)
fd = os.open('n/excl', os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o640)
os.write(fd, b'first'); os.lseek(fd, 0, 0); out.append(os.read(fd, 5).decode()); os.close(fd)
try:
    os.open('n/excl', os.O_CREAT | os.O_EXCL | os.O_WRONLY)
except OSError as e:
    out.append(errno.errorcode[e.errno])
old = os.umask(0)
fd = os.open('n/all', os.O_CREAT | os.O_WRONLY, 0o666); os.close(fd)
os.umask(old)
fd = os.open('n/ro', os.O_CREAT | os.O_RDONLY, 0o444); os.close(fd)
fd = os.open('n/two', os.O_CREAT | os.O_RDWR, 0o644); fd2 = os.open('n/two', os.O_RDONLY)
os.write(fd, b'ab'); out.append(os.read(fd2, 2).decode()); os.close(fd); os.close(fd2)
with open('n/app', 'a') as f: f.write('one\\n')
with open('n/app', 'a') as f: f.write('two\\n')
pid = os.fork()
if pid == 0:
    os.setgid(1000); os.setuid(1000)
    with open('n/sub2', 'w') as f: f.write('by 1000')
    os._exit(0)
os.waitpid(pid, 0)
os.chmod('n/f1', 0o600); os.chown('n/f2', 7, 8); os.utime('n/f3', (1000000000, 1000000000))
out.append(str(os.stat('n/f3').st_mtime))
os.link('n/f4', 'n/sub/hard'); os.rename('n/f5', 'n/sub/moved')
with open('n/f6', 'r+') as f: f.write('over')
with open('n/sub/\\u00e9t\\u00e9', 'w') as f: f.write('utf-8 name')
with open('merged/new', 'w') as f: f.write('in a merged directory')
os.makedirs('g'); os.chown('g', 0, 50); os.chmod('g', 0o2775)
with open('g/file', 'w') as f: f.write('setgid parent')
out.append(tree('n')); out.append(tree('merged')); out.append(tree('g'))
print('\\n'.join(out))
`

t.test('files the reader makes match kernel overlayfs', async (t) => {
  const base = tmpdir(t, 'strata-create-')
  const k = buildStack(`${base}/k`, [LOWER])
  const kernel = mountKernelOverlay(t, k.lowers, k.upper as string, k.work as string, `${base}/k/mnt`)
  const m = await mountStrata(t, { ...buildStack(`${base}/s`, [LOWER]), mnt: `${base}/s/mnt` })
  const got = py(m.mnt, WORKLOAD)
  t.equal(got, py(kernel.mnt, WORKLOAD))
  t.match(got, /^first\nEEXIST\nab\n/, 'O_EXCL over a name the reader made; a second open of a new file')
  execFileSync('sh', ['-c', 'sync && echo 2 > /proc/sys/vm/drop_caches'])
  for (let i = 0; i < 5; i++) execFileSync('stat', ['--cached=never', m.mnt], { stdio: 'ignore' })
  const end = await sessionEndOf(m)
  const r = end.requests
  t.ok((r['CREATE (reader)'] ?? 0) >= 30, `creates by the reader (${JSON.stringify(r)})`)
  t.ok((r.CREATE ?? 0) >= 3, 'the merged, setgid and non-ASCII ones by JavaScript')
  t.equal(end.nodes, 1, 'no node left but the root once the kernel forgot')
})

t.test('thousands of files: the reader’s tables grow, every file is there and its own', async (t) => {
  const base = tmpdir(t, 'strata-create-many-')
  const m = await mountStrata(t, { ...buildStack(base, [LOWER]), mnt: `${base}/mnt` })
  const script = `
os.mkdir('many')
for i in range(3000):
    with open('many/f%d' % i, 'w') as f: f.write(str(i))
bad = [i for i in range(3000) if open('many/f%d' % i).read() != str(i)]
inos = set(os.stat('many/f%d' % i).st_ino for i in range(3000))
print(len(os.listdir('many')), bad, len(inos))
`
  t.equal(py(m.mnt, script), '3000 [] 3000')
  const r = (await sessionEndOf(m)).requests
  t.ok((r['CREATE (reader)'] ?? 0) >= 3000, `the reader made them (${JSON.stringify(r)})`)
})

t.test('a paused worker holds a create until it resumes', async (t) => {
  const base = tmpdir(t, 'strata-create-pause-')
  const stack = buildStack(base, [[dir('d')]])
  const m = await mountStrata(t, { ...stack, mnt: `${base}/mnt` })
  py(m.mnt, "os.mkdir('n')\nopen('n/warm', 'w').close()")
  const script = "import os, sys\nsys.stdin.readline()\nopen('n/f', 'w').close()\nprint(os.path.exists('n/f'))\n"
  const output = await scriptAcrossPause(t, m, stack.work as string, script, () =>
    t.notOk(existsSync(`${stack.upper}/n/f`), 'the create waits while paused'),
  )
  t.equal(output.trim(), 'True', 'and is done once resumed')
})

t.test('with a change journal, diff finds the reader’s files; an unjournaled directory is JavaScript’s', async (t) => {
  const base = tmpdir(t, 'strata-create-journal-')
  const stack = buildStack(base, [LOWER])
  const journal = `${base}/journal`
  const m = await mountStrata(t, { ...stack, mnt: `${base}/mnt`, options: [`journal=${journal}`] })
  py(m.mnt, "os.makedirs('n/deep')\nfor p in ['n/a', 'n/deep/b', 'merged/c']: open(p, 'w').close()")
  const upper = stack.upper as string
  const j = readJournal(journal)
  t.ok(j, 'the journal is usable')
  t.notOk(j?.paths.has('n/a'), 'the reader’s file is not journaled (its directory is)')
  const kinds = changesOf(upper, stack.lowers, 'trusted', j).map((c) => `${c.kind} ${c.path}`)
  t.same(kinds, ['C /merged', 'A /merged/c', 'A /n', 'A /n/a', 'A /n/deep', 'A /n/deep/b'], 'diff with the journal')
  t.same(
    kinds,
    changesOf(upper, stack.lowers, 'trusted', null).map((c) => `${c.kind} ${c.path}`),
    'as a full walk',
  )
  const r = (await sessionEndOf(m)).requests
  t.ok((r['CREATE (reader)'] ?? 0) >= 2, `the reader made n/a and n/deep/b (${JSON.stringify(r)})`)
})

t.test('a directory the journal lacks: its new files are JavaScript’s, and journaled', async (t) => {
  const base = tmpdir(t, 'strata-create-unjournaled-')
  const stack = buildStack(base, [[dir('d')]])
  mkdirSync(`${stack.upper}/up`) // in upper/ before the mount: not in the journal
  const journal = `${base}/journal`
  const m = await mountStrata(t, { ...stack, mnt: `${base}/mnt`, options: [`journal=${journal}`] })
  py(m.mnt, "open('up/new', 'w').close()")
  t.ok(readFileSync(journal, 'utf8').split('\n').includes('p "up/new"'), 'recorded')
  const r = (await sessionEndOf(m)).requests
  t.notOk(r['CREATE (reader)'], `not the reader's (${JSON.stringify(r)})`)
})
