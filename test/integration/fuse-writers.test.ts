/**
 * The reader's SETATTR answers for nodes open for writing (native-bindings/src/fuse-writers.c):
 * fchown, fchmod and futimens on a file open for writing are answered without JavaScript, with the
 * attributes the backing file then has and the node's own inode number; a node with two writers
 * keeps its answers after the first closes; once none is open, the same changes go to JavaScript
 * by path; an unlinked open file still answers, a chown drops setuid as the kernel asks; a size
 * change is left to JavaScript; a paused worker (commit) holds them as every other SETATTR.
 */
import t from 'tap'
import { execFileSync } from 'node:child_process'
import { statSync } from 'node:fs'
import { scriptAcrossPause } from '../helpers/across-pause.js'
import { buildStack, dir, file } from '../helpers/fixtures.js'
import { mountStrata, requestsOf, sessionEndOf } from '../helpers/strata-mount.js'
import { tmpdir } from '../helpers/tmpdir.js'

process.umask(0o022)

async function strata(t: Parameters<typeof tmpdir>[0], options: string[] = []) {
  const base = tmpdir(t, 'strata-writers-')
  const stack = buildStack(base, [[dir('d'), file('d/low', 'lower\n')]])
  const m = await mountStrata(t, { ...stack, mnt: `${base}/mnt`, options })
  return { m, upper: stack.upper as string, work: stack.work as string }
}

const py = (cwd: string, script: string): string =>
  execFileSync('python3', ['-c', `import os\n${script}`], { cwd, encoding: 'utf8' }).trim()

/** What stat shows of a path through the mount and of its backing file: ino, mode, owner, mtime. */
const SHOW = `
def show(p):
    s = os.stat(p, follow_symlinks=False)
    return '%d %o %d:%d %d' % (s.st_ino, s.st_mode, s.st_uid, s.st_gid, s.st_mtime_ns)
def same(p, backing):
    a, b = show(p).split(' ', 1), show(backing).split(' ', 1)
    return a[1] == b[1]
`

t.test('fchown, fchmod and futimens on a file open for writing: answered by the reader, exact', async (t) => {
  const { m, upper } = await strata(t)
  const out = py(
    m.mnt,
    `${SHOW}
fd = os.open('d/new', os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
ino = os.fstat(fd).st_ino
os.write(fd, b'data')
os.fchown(fd, 1000, 1001)
os.fchmod(fd, 0o640)
os.utime(fd, ns=(1_000_000_123, 2_000_000_456))
print(show('d/new'), os.fstat(fd).st_ino == ino, same('d/new', '${upper}/d/new'))
os.utime(fd)  # UTIME_NOW for both
now = os.fstat(fd).st_mtime_ns
os.close(fd)
print(same('d/new', '${upper}/d/new'), now > 2_000_000_456)
`,
  )
  const [first, second] = out.split('\n')
  t.match(first, /^\d+ 100640 1000:1001 2000000456 True True$/, 'the kernel shows what the backing file has')
  t.equal(second, 'True True', 'UTIME_NOW too')
  const { requests: r, ops } = await sessionEndOf(m)
  t.equal(r['SETATTR (reader)'], 4, `fchown, fchmod and two futimens answered by the reader (${JSON.stringify(r)})`)
  t.notOk(r.SETATTR, 'none reached JavaScript')
  const timed = ops['SETATTR (reader)']
  t.ok(
    timed && timed.p50Us > 0 && timed.p50Us < 100_000 && timed.p99Us >= timed.p50Us,
    `timed (${JSON.stringify(timed)})`,
  )
})

t.test(
  'two writers, one closed; none open; unlinked while open; setid dropped by a chown; a size change',
  async (t) => {
    const { m, upper } = await strata(t)
    const out = py(
      m.mnt,
      `${SHOW}
a = os.open('d/low', os.O_RDWR)  # a copy-up
b = os.open('d/low', os.O_WRONLY)
os.close(a)
os.fchmod(b, 0o600)  # through b, the writer left
print(show('d/low').split()[1], same('d/low', '${upper}/d/low'))
os.close(b)
os.chmod('d/low', 0o644)  # no writer open: by path, in JavaScript
print(show('d/low').split()[1])
g = os.open('d/gone', os.O_WRONLY | os.O_CREAT, 0o644)
os.unlink('d/gone')
os.fchmod(g, 0o6755)
os.fchown(g, 1000, 1000)  # drops setuid, and setgid (group-exec is set): HANDLE_KILLPRIV_V2 asks for it
print('%o' % os.fstat(g).st_mode)
os.ftruncate(g, 3)  # a size change: JavaScript
print(os.fstat(g).st_size)
os.close(g)
`,
    )
    t.same(out.split('\n'), ['100600 True', '100644', '100755', '3'])
    const r = await requestsOf(m)
    // the chmod after the last close may come before the kernel's (asynchronous) RELEASE: either may answer it
    const reader = r['SETATTR (reader)'] ?? 0
    t.ok(reader >= 3 && reader <= 4, `the fchmods and the fchown by the reader (${JSON.stringify(r)})`)
    t.equal(reader + (r.SETATTR ?? 0), 5, 'the ftruncate (and the chmod by path, after the RELEASE) by JavaScript')
  },
)

t.test('a paused worker holds a SETATTR on a file open for writing until it resumes', async (t) => {
  const { m, upper, work } = await strata(t)
  const script =
    "import os, sys\nfd = os.open('d/new', os.O_WRONLY | os.O_CREAT, 0o644)\nprint('open', flush=True)\nsys.stdin.readline()\nos.fchmod(fd, 0o600)\nprint('%o' % os.fstat(fd).st_mode, flush=True)\nos.close(fd)\n"
  const output = await scriptAcrossPause(
    t,
    m,
    work,
    script,
    (paused) => {
      t.equal(paused.writersOpen, 1, 'the file stayed open: the pause went ahead after its wait')
      t.equal(statSync(`${upper}/d/new`).mode & 0o7777, 0o644, 'the fchmod waits while paused')
    },
    'open',
  )
  t.equal(output.trim().split('\n').pop(), '100600', 'and is done once resumed')
})

t.test('without passthrough, a writer renamed and opened again by its new name keeps writing', async (t) => {
  const { m } = await strata(t, ['nopassthrough'])
  const out = py(
    m.mnt,
    `a = os.open('d/a', os.O_WRONLY | os.O_CREAT, 0o644)
os.write(a, b'one ')
os.rename('d/a', 'd/b')
b = os.open('d/b', os.O_WRONLY | os.O_APPEND)
os.write(a, b'two')  # the first handle's descriptor is still writable
os.fchmod(a, 0o600)
os.close(a)
os.close(b)
print(open('d/b').read(), '%o' % os.stat('d/b').st_mode)
`,
  )
  t.equal(out, 'one two 100600')
})
