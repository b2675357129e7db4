/**
 * The reader's answers for bare nodes (native-bindings/src/fuse-bare.c): GETXATTR and LISTXATTR of
 * a node known to have no xattr are answered without JavaScript, and that knowledge never outlives
 * the truth: an xattr set through the mount (on a lower file, a new file, a hard link's other name,
 * a directory) is seen at once, also by a size probe, and one removed again is gone; an id freed by
 * FORGET and given to another node carries no mark over.
 */
import t from 'tap'
import { execFileSync } from 'node:child_process'
import { buildStack, dir, file, type Entry } from '../helpers/fixtures.js'
import { mountStrata, requestsOf } from '../helpers/strata-mount.js'
import { tmpdir } from '../helpers/tmpdir.js'

process.umask(0o022)

async function strata(t: Parameters<typeof tmpdir>[0], layers: Entry[][]) {
  const base = tmpdir(t, 'strata-bare-')
  return mountStrata(t, { ...buildStack(base, layers), mnt: `${base}/mnt`, options: [] })
}

const py = (cwd: string, script: string): string => execFileSync('python3', ['-c', script], { cwd, encoding: 'utf8' })

/** Python helpers: every xattr a path shows (listxattr, then each value) and a size probe by ctypes. */
const PRELUDE = `
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
def shown(p):
    return {n: os.getxattr(p, n, follow_symlinks=False).decode() for n in sorted(os.listxattr(p, follow_symlinks=False))}
def probe(p):
    return libc.llistxattr(p.encode(), None, 0)
def missing(p, name):
    try:
        os.getxattr(p, name, follow_symlinks=False)
        return 'present'
    except OSError as e:
        return os.strerror(e.errno)
`

const lower: Entry[] = [
  dir('d'),
  ...Array.from({ length: 20 }, (_, i) => file(`d/f${i}`, `${i}\n`)),
  file('d/tagged', 'x', { xattrs: { 'user.tag': 'lower' } }),
]

t.test('ls -l of bare lower files: the reader answers, JavaScript sees almost nothing', async (t) => {
  const m = await strata(t, [lower])
  execFileSync('sh', ['-c', 'ls -l d > /dev/null; ls -l d > /dev/null'], { cwd: m.mnt })
  const r = await requestsOf(m)
  const reader = r['GETXATTR (reader)'] ?? 0
  t.ok(reader >= 2 * 20, `GETXATTR answered by the reader: ${reader} (${JSON.stringify(r)})`)
  t.ok((r.GETXATTR ?? 0) <= 2 * 2 + 2, `GETXATTR reaching JavaScript: ${r.GETXATTR ?? 0} (the tagged file's)`)
})

t.test('what the reader answers follows every change made through the mount', async (t) => {
  const m = await strata(t, [lower])
  const out = py(
    m.mnt,
    `${PRELUDE}
os.listdir('d')  # READDIRPLUS: every entry learns whether it has xattrs
print(shown('d/f0'), probe('d/f0'), missing('d/f0', 'security.capability'))
print(shown('d/tagged'), probe('d/tagged'))
os.setxattr('d/f0', 'user.a', b'1')  # a bare lower file: copied up, then set
print(shown('d/f0'), probe('d/f0'))
os.removexattr('d/f0', 'user.a')
print(shown('d/f0'), probe('d/f0'), missing('d/f0', 'user.a'))
with open('d/new', 'w') as f: f.write('n')  # made here: bare from birth
print(shown('d/new'), missing('d/new', 'user.b'))
os.link('d/new', 'd/other')
os.setxattr('d/other', 'user.b', b'2')
print(shown('d/new'), shown('d/other'))
os.mkdir('d/sub')
print(shown('d/sub'))
os.setxattr('d/sub', 'user.c', b'3')
print(shown('d/sub'))
os.rename('d/f1', 'd/moved')
os.setxattr('d/moved', 'user.d', b'4')
print(shown('d/moved'))
`,
  )
  t.same(out.trim().split('\n'), [
    '{} 0 No data available',
    "{'user.tag': 'lower'} 9",
    "{'user.a': '1'} 7",
    '{} 0 No data available',
    '{} No data available',
    "{'user.b': '2'} {'user.b': '2'}",
    '{}',
    "{'user.c': '3'}",
    "{'user.d': '4'}",
  ])
  const r = await requestsOf(m)
  t.ok(
    (r['GETXATTR (reader)'] ?? 0) + (r['LISTXATTR (reader)'] ?? 0) > 0,
    `the reader answered some: ${JSON.stringify(r)}`,
  )
})

t.test('a node id the kernel forgot and the table gave to another node carries no mark over', async (t) => {
  // unlinked files are forgotten at once (their inodes go), so their marked ids are the next ones
  // handed out: each round's first lookup of a file that has an xattr gets one of them
  const tagged = Array.from({ length: 5 }, (_, i) => file(`t/tagged${i}`, 'x', { xattrs: { 'user.tag': `t${i}` } }))
  const m = await strata(t, [[dir('t'), ...tagged]])
  const out = py(
    m.mnt,
    `${PRELUDE}
seen = []
for r in range(5):
    for i in range(20):
        with open('t/new%d' % i, 'w') as f: f.write('n')  # bare from birth
        missing('t/new%d' % i, 'security.capability')
    for i in range(20):
        os.unlink('t/new%d' % i)  # FORGET: the ids are free again
    seen.append(shown('t/tagged%d' % r))
print(seen)
`,
  )
  t.equal(out.trim(), `[${[0, 1, 2, 3, 4].map((i) => `{'user.tag': 't${i}'}`).join(', ')}]`)
})
