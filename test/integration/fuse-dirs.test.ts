/**
 * The reader's answers for directories in upper/ (native-bindings/src/fuse-dirs.c, kept by
 * daemon/fuse/dir-mirror.ts): a directory's GETATTR after entries are made in it and a LOOKUP of a
 * name it lacks are answered without JavaScript, exactly as JavaScript answers them (attributes of
 * the upper directory with the node's inode number, nlink 1 for one merged with a lower; a negative
 * entry); a name a lower layer shows is never answered as missing; after a rename, an exchange, an
 * rmdir and a recreation, what the kernel shows is what kernel overlayfs shows.
 */
import t from 'tap'
import { execFileSync } from 'node:child_process'
import { buildStack, dir, file } from '../helpers/fixtures.js'
import { mountKernelOverlay } from '../helpers/kernel-overlay.js'
import { mountStrata, requestsOf } from '../helpers/strata-mount.js'
import { tmpdir } from '../helpers/tmpdir.js'

process.umask(0o022)

const LOWER = [dir('merged'), file('merged/low', 'l\n'), dir('merged/sub'), file('merged/sub/deep', 'd\n')]

const py = (cwd: string, script: string): string =>
  execFileSync('python3', ['-c', `import os\n${script}`], { cwd, encoding: 'utf8' }).trim()

/** A workload of makes, lookups of missing and lower names, renames and removals; it prints what stat shows. */
const WORKLOAD = `
def show(p):
    try:
        s = os.stat(p, follow_symlinks=False)
    except FileNotFoundError:
        return p + ' missing'
    return '%s %o %d %d:%d %d' % (p, s.st_mode, s.st_nlink, s.st_uid, s.st_gid, s.st_size)
out = []
os.makedirs('new/a/b')
for i in range(20):
    open('new/a/f%d' % i, 'w').close()       # LOOKUP (missing) + CREATE, then the parent's GETATTR
out.append(show('new/a'))
out.append(show('new/a/nothing'))
open('merged/mine', 'w').close()             # in a merged directory: lower names must still show
out += [show('merged'), show('merged/low'), show('merged/sub/deep'), show('merged/mine')]
os.mkdir('new/c')
os.rename('new/a', 'new/c/a')                # a known directory moves: its old path must not answer
out += [show('new/a'), show('new/c/a'), show('new/c/a/f3'), show('new/c/a/b')]
os.mkdir('new/x'); os.mkdir('new/y')
open('new/x/only-x', 'w').close()
os.rename('new/x', 'new/z'); os.rename('new/y', 'new/x'); os.rename('new/z', 'new/y')
out += [show('new/x'), show('new/x/only-x'), show('new/y/only-x')]
os.rmdir('new/c/a/b')
out.append(show('new/c/a/b'))
os.mkdir('new/c/a/b', 0o700)                 # the same name again: a new directory
out.append(show('new/c/a/b'))
os.chmod('new/c', 0o711)
out.append(show('new/c'))
print('\\n'.join(out))
`

t.test('what stat shows through the reader matches kernel overlayfs, and the reader answered', async (t) => {
  const base = tmpdir(t, 'strata-dirs-')
  const k = buildStack(`${base}/k`, [LOWER])
  const kernel = mountKernelOverlay(t, k.lowers, k.upper as string, k.work as string, `${base}/k/mnt`)
  const m = await mountStrata(t, { ...buildStack(`${base}/s`, [LOWER]), mnt: `${base}/s/mnt` })
  const expected = py(kernel.mnt, WORKLOAD)
  t.equal(py(m.mnt, WORKLOAD), expected)
  const r = await requestsOf(m)
  t.ok((r['GETATTR (reader)'] ?? 0) >= 20, `directory GETATTRs answered by the reader (${JSON.stringify(r)})`)
  t.ok((r['LOOKUP (reader)'] ?? 0) >= 20, 'missing names answered by the reader')
})
