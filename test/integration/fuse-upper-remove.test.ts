/**
 * Removals the reader makes itself (native-bindings/src/fuse-upper.c answer_remove, with its note to
 * JavaScript: daemon/fuse/ops/entry.ts readerRemoved): UNLINK and RMDIR of nodes made through the
 * mount in directories no lower layer shows. What stat and readdir show afterwards matches kernel
 * overlayfs: after rm -rf of a tree holding hard links, a symlink, a fifo and a directory left with
 * whiteouts only; after a hard link's first name goes and the other is changed; after names are made
 * again where others were removed (a file where a directory was, and the other way round). No
 * node is left once the kernel forgets, a paused worker holds an unlink until it resumes, and with
 * a change journal a file made before the mount (not in the journal) is removed by JavaScript,
 * which records it. A directory removed while held open never answers for its path again, nor its
 * node id once another node has it: its GETATTR says ENOENT (kernel overlayfs shows its last
 * attributes with nlink 0; nothing here keeps them), never the new directory's.
 */
import t from 'tap'
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { scriptAcrossPause } from '../helpers/across-pause.js'
import { buildStack, dir, file } from '../helpers/fixtures.js'
import { mountKernelOverlay } from '../helpers/kernel-overlay.js'
import { mountStrata, requestsOf, sessionEndOf } from '../helpers/strata-mount.js'
import { tmpdir } from '../helpers/tmpdir.js'

process.umask(0o022)

const LOWER = [dir('merged'), file('merged/low', 'l\n'), dir('merged/sub'), file('merged/sub/deep', 'd\n')]

const py = (cwd: string, script: string): string =>
  execFileSync('python3', ['-c', `import os, shutil\n${SHOW}\n${script}`], { cwd, encoding: 'utf8' }).trim()

/** tree(d): every entry below d with its type, mode, link count and size, in order. */
const SHOW = `
def tree(d):
    out = []
    for root, ds, fs in os.walk(d):
        for n in sorted(ds + fs):
            s = os.lstat(os.path.join(root, n))
            out.append('%s %o %d %d' % (os.path.join(root, n), s.st_mode, s.st_nlink, 0 if n in ds else s.st_size))
    return '%s: %s' % (d, ', '.join(sorted(out)))
`

const WORKLOAD = `
out = []
for d in ['t/a/b', 't/c', 't/d']:
    os.makedirs(d)
for i in range(40):
    with open('t/a/f%d' % i, 'w') as f: f.write('x' * i)
    with open('t/a/b/g%d' % i, 'w') as f: f.write('y' * i)
os.link('t/a/f1', 't/c/hard'); os.symlink('f2', 't/c/link'); os.mkfifo('t/c/fifo')
open('t/d/only', 'w').close()
out.append(tree('t'))
os.unlink('t/a/f1')                       # the first name of a hard link: the other keeps the node
os.chmod('t/c/hard', 0o600)
with open('t/c/hard', 'a') as f: f.write('more')
out.append(tree('t/c'))
shutil.rmtree('t/a/b')
os.unlink('t/d/only'); os.rmdir('t/d')
open('t/d', 'w').close()                  # a file where a directory was
os.unlink('t/a/f3'); os.mkdir('t/a/f3')   # and a directory where a file was
with open('t/a/f3/in', 'w') as f: f.write('in')
os.makedirs('t/a/b'); open('t/a/b/g0', 'w').close()
out.append(tree('t'))
os.rename('t/c', 't/moved')              # the reader forgets moved nodes: JavaScript removes them
shutil.rmtree('t')
out.append(str(os.path.exists('t')))
os.makedirs('merged/new/deeper')          # in a merged directory: JavaScript's (a lower name may show)
open('merged/new/deeper/x', 'w').close()
shutil.rmtree('merged/new'); os.unlink('merged/low')
out.append(tree('merged'))
print('\\n'.join(out))
`

t.test('what is left after removals through the reader matches kernel overlayfs', async (t) => {
  const base = tmpdir(t, 'strata-remove-')
  const k = buildStack(`${base}/k`, [LOWER])
  const kernel = mountKernelOverlay(t, k.lowers, k.upper as string, k.work as string, `${base}/k/mnt`)
  const m = await mountStrata(t, { ...buildStack(`${base}/s`, [LOWER]), mnt: `${base}/s/mnt` })
  t.equal(py(m.mnt, WORKLOAD), py(kernel.mnt, WORKLOAD))
  execFileSync('sh', ['-c', 'sync && echo 2 > /proc/sys/vm/drop_caches'])
  // forgets are queued by the eviction and read before any request that follows them
  for (let i = 0; i < 5; i++) execFileSync('stat', ['--cached=never', m.mnt], { stdio: 'ignore' })
  const end = await sessionEndOf(m)
  const r = end.requests
  // not all 84 every time: another test's drop_caches (global) may make the kernel forget the nodes
  // of a directory, which JavaScript then lists and removes
  t.ok((r['UNLINK (reader)'] ?? 0) >= 10, `unlinks by the reader (${JSON.stringify(r)})`)
  t.ok((r['RMDIR (reader)'] ?? 0) >= 1, 'rmdirs by the reader')
  t.ok((r.UNLINK ?? 0) >= 3 && (r.RMDIR ?? 0) >= 2, 'the moved, merged and special ones by JavaScript')
  t.equal(end.nodes, 1, 'no node left but the root once the kernel forgot')
})

/**
 * A directory removed while open, and another made at its path: the old node (nameless) must never
 * answer for the path again, nor its node id for the path once the id is another node's.
 */
const NAMELESS = `
import subprocess
os.makedirs('build/sub'); open('build/sub/f', 'w').close()
old = os.open('build', os.O_RDONLY)
shutil.rmtree('build'); os.mkdir('build', 0o700)
try:
    s = os.fstat(old)                          # the removed directory, not the new one
    print('fstat of the removed directory: nlink %d mode %o' % (s.st_nlink, s.st_mode))
except FileNotFoundError:
    print('fstat of the removed directory: ENOENT')
os.close(old)                                  # the kernel forgets it: its node id is free again
os.symlink('target', 'link')                   # and goes to the next node made
forced = subprocess.run(['stat', '--cached=never', '-c', '%F %a', 'link', 'build'], capture_output=True, text=True)
print(forced.stdout.strip())
open('build/y', 'w').close()
print(sorted(os.listdir('build')), oct(os.stat('build').st_mode))
os.unlink('build/y')
print(sorted(os.listdir('build')), os.path.exists('build/y'))
`

t.test('a node that lost its name never answers for the path, nor its id once reused', async (t) => {
  const base = tmpdir(t, 'strata-remove-nameless-')
  const m = await mountStrata(t, { ...buildStack(base, [LOWER]), mnt: `${base}/mnt` })
  const lines = py(m.mnt, NAMELESS).split('\n')
  t.not(lines[0], 'fstat of the removed directory: nlink 2 mode 40700', 'not the new directory')
  const rest = ['symbolic link 777', 'directory 700', "['y'] 0o40700", '[] False']
  t.same(lines.slice(1), rest, 'the node at the old id is what it is; the new directory is listed and changed')
})

t.test('a paused worker holds an unlink until it resumes', async (t) => {
  const base = tmpdir(t, 'strata-remove-pause-')
  const stack = buildStack(base, [[dir('d')]])
  const m = await mountStrata(t, { ...stack, mnt: `${base}/mnt` })
  py(m.mnt, "os.mkdir('n')\nopen('n/f', 'w').close()\nos.stat('n/f')")
  const script = "import os, sys\nsys.stdin.readline()\nos.unlink('n/f')\nprint(os.path.exists('n/f'))\n"
  const output = await scriptAcrossPause(t, m, stack.work as string, script, () =>
    t.ok(existsSync(`${stack.upper}/n/f`), 'the unlink waits while paused'),
  )
  t.equal(output.trim(), 'False', 'and is done once resumed')
})

t.test('with a change journal, a file it lacks is removed by JavaScript, which records it', async (t) => {
  const base = tmpdir(t, 'strata-remove-journal-')
  const stack = buildStack(base, [[dir('d')]])
  execFileSync('mkdir', ['-p', `${stack.upper}/up`])
  writeFileSync(`${stack.upper}/up/before`, 'made before this mount\n') // in upper/, not in the journal
  const journal = `${base}/journal`
  const m = await mountStrata(t, { ...stack, mnt: `${base}/mnt`, options: [`journal=${journal}`] })
  py(m.mnt, "open('up/new', 'w').close()\nos.unlink('up/new')\nos.unlink('up/before')")
  const lines = readFileSync(journal, 'utf8').split('\n')
  t.ok(lines.includes('p "up/new"') && lines.includes('p "up/before"'), `both paths recorded (${lines.join(' | ')})`)
  const r = await requestsOf(m)
  t.ok((r.UNLINK ?? 0) >= 1, `the unlink of 'before' by JavaScript (${JSON.stringify(r)})`)
})
