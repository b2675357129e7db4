/**
 * The reader's answers for nodes in upper/ (native-bindings/src/fuse-upper.c, kept by
 * daemon/fuse/upper-mirror.ts): a directory's GETATTR after entries are made in it and a LOOKUP of
 * a name it lacks, a regular file's GETATTR, and a file's or directory's SETATTR by path (chmod,
 * chown, utime; not a directory's group or setgid bit, which the engine caches) are answered
 * without JavaScript, exactly as JavaScript answers them (attributes of the upper entry
 * with the node's inode number, nlink 1 for a directory merged with a lower; a negative entry); a
 * name a lower layer shows is never answered as missing; after renames, an exchange, an rmdir, hard
 * links and unlinks, what stat shows is what kernel overlayfs shows. With a change journal, a file
 * the journal does not have yet is changed by JavaScript (which records it); a paused worker holds
 * a chmod by path until it resumes.
 */
import t from 'tap'
import { execFileSync } from 'node:child_process'
import { readFileSync, statSync, writeFileSync } from 'node:fs'
import { scriptAcrossPause } from '../helpers/across-pause.js'
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

/** Regular files in upper/: changed by path, through hard links, after renames and unlinks; what stat shows. */
const FILES = `
def show(p, times=True):
    try:
        s = os.stat(p, follow_symlinks=False)
    except FileNotFoundError:
        return p + ' missing'
    shown = '%s %o %d %d:%d %d' % (p, s.st_mode, s.st_nlink, s.st_uid, s.st_gid, s.st_size)
    return shown + (' %d' % s.st_mtime_ns if times else '')
out = []
os.makedirs('files')
for i in range(20):
    with open('files/f%d' % i, 'w') as f:
        f.write('x' * i)
for i in range(20):
    os.chmod('files/f%d' % i, 0o600 + i % 8)     # SETATTR by path, the file no longer open
    os.utime('files/f%d' % i, ns=(1_000_000_000_000_000_007 + i, 1_100_000_000_000_000_009 + i))
out += [show('files/f%d' % i) for i in range(20)]
os.chmod('files/f1', 0o4755)
os.chown('files/f1', 1000, 1000)              # a chown drops setuid
os.chmod('files/f2', 0o2775)
os.chown('files/f2', -1, 1001)                # and setgid where group-exec is set
out += [show('files/f1'), show('files/f2')]
os.link('files/f3', 'files/hard')
os.chmod('files/hard', 0o640)                 # through another name: the same inode
out += [show('files/f3'), show('files/hard')]
os.rename('files/f4', 'files/moved')
os.chmod('files/moved', 0o604)
out += [show('files/f4'), show('files/moved')]
os.unlink('files/f3')
os.chmod('files/hard', 0o444)
out.append(show('files/hard'))
os.rename('files', 'renamed')                 # a directory moves: the files' paths with it
os.chmod('renamed/f5', 0o700)
os.truncate('renamed/f6', 3)                  # a size change: JavaScript's
out += [show('renamed/f5'), show('renamed/f6', times=False), show('files/f5')]
os.chmod('merged/low', 0o640)                 # a lower file: copied up by JavaScript
os.chmod('merged/low', 0o600)
out.append(show('merged/low'))
os.makedirs('dirs/sg/sub')
os.chmod('dirs/sg', 0o2775)                   # a directory's setgid: JavaScript's
os.chown('dirs/sg', -1, 1002)                 # and its group
os.chmod('dirs/sg', 0o2750)                   # the setgid kept: the reader's
open('dirs/sg/inherits', 'w').close()         # takes the group of the setgid directory
os.mkdir('dirs/sg/subdir')
os.utime('dirs/sg', ns=(1_000_000_000_000_000_001, 1_200_000_000_000_000_003))
os.chown('dirs/sg/sub', 1003, -1)
os.chown('dirs/sg/sub', 1003, 0)              # to the group it has (tar's chown as root): the reader's
os.chown('dirs/sg', 1004, 1002)               # a setgid directory's owner: JavaScript's
os.chmod('dirs/sg/sub', 0o700)
os.chmod('merged', 0o751)                     # merged with a lower directory: nlink 1
os.utime('merged', ns=(1_000_000_000_000_000_005, 1_300_000_000_000_000_007))
out += [show('dirs/sg'), show('dirs/sg/inherits', times=False), show('dirs/sg/subdir', times=False)]
out += [show('dirs/sg/sub', times=False), show('merged')]
os.symlink('f5', 'renamed/link')
os.chown('renamed/link', 7, 7, follow_symlinks=False)
out.append(show('renamed/link', times=False))
print('\\n'.join(out))
`

/** stat(1) asking the filesystem, not the kernel's cache (AT_STATX_FORCE_SYNC): the files' GETATTR. */
const forcedStat = (mnt: string, paths: string[]): string =>
  execFileSync('stat', ['--cached=never', '-c', '%n %a %h %u:%g %s %Y', ...paths], { cwd: mnt, encoding: 'utf8' })

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

t.test("regular files' SETATTR and GETATTR through the reader match kernel overlayfs", async (t) => {
  const base = tmpdir(t, 'strata-upper-files-')
  const k = buildStack(`${base}/k`, [LOWER])
  const kernel = mountKernelOverlay(t, k.lowers, k.upper as string, k.work as string, `${base}/k/mnt`)
  const m = await mountStrata(t, { ...buildStack(`${base}/s`, [LOWER]), mnt: `${base}/s/mnt` })
  t.equal(py(m.mnt, FILES), py(kernel.mnt, FILES))
  const paths = ['renamed/f0', 'renamed/f1', 'renamed/hard', 'renamed/moved', 'merged/low', 'dirs/sg', 'merged']
  t.equal(forcedStat(m.mnt, paths), forcedStat(kernel.mnt, paths))
  const r = await requestsOf(m)
  t.ok((r['SETATTR (reader)'] ?? 0) >= 40, `chmod and utime by path answered by the reader (${JSON.stringify(r)})`)
  t.ok((r['GETATTR (reader)'] ?? 0) >= 4, 'the forced stats of upper files too')
  t.ok((r.SETATTR ?? 0) >= 5, 'the truncate, the lower file, the symlink and the setgid directory by JavaScript')
})

t.test('with a change journal, a file it lacks is changed by JavaScript, which records it', async (t) => {
  const base = tmpdir(t, 'strata-upper-journal-')
  const stack = buildStack(base, [[dir('d')]])
  writeFileSync(`${stack.upper}/before`, 'made before this mount\n') // in upper/, not in the journal
  const journal = `${base}/journal`
  const m = await mountStrata(t, { ...stack, mnt: `${base}/mnt`, options: [`journal=${journal}`] })
  py(m.mnt, "open('new', 'w').close()\nos.chmod('new', 0o600)\nos.chmod('before', 0o600)\nos.chmod('before', 0o640)")
  t.equal(statSync(`${stack.upper}/before`).mode & 0o7777, 0o640)
  const lines = readFileSync(journal, 'utf8').split('\n')
  t.ok(lines.includes('p "new"') && lines.includes('p "before"'), `both paths recorded (${lines.join(' | ')})`)
  const r = await requestsOf(m)
  t.ok((r.SETATTR ?? 0) >= 1, `the first chmod of 'before' by JavaScript (${JSON.stringify(r)})`)
})

t.test('a paused worker holds a chmod by path until it resumes', async (t) => {
  const base = tmpdir(t, 'strata-upper-pause-')
  const stack = buildStack(base, [[dir('d')]])
  const m = await mountStrata(t, { ...stack, mnt: `${base}/mnt` })
  py(m.mnt, "open('d/f', 'w').close()\nos.chmod('d/f', 0o644)")
  const script = "import os, sys\nsys.stdin.readline()\nos.chmod('d/f', 0o600)\nprint('%o' % os.stat('d/f').st_mode)\n"
  const output = await scriptAcrossPause(t, m, stack.work as string, script, () =>
    t.equal(statSync(`${stack.upper}/d/f`).mode & 0o7777, 0o644, 'the chmod waits while paused'),
  )
  t.equal(output.trim(), '100600', 'and is done once resumed')
})
