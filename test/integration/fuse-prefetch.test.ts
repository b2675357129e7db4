/**
 * Warming the backing caches ahead of requests (daemon/fuse/prefetch.ts) changes no answer: big
 * directories merged from four layers (whiteouts, an opaque directory, an upper copy) are listed,
 * stat'ed, walked, changed and listed again through strata and kernel overlayfs alike; the worker
 * warmed listings and windows, and once stats followed a listing, gave later windows attributes
 * (daemon/fuse/stat-follow.ts).
 */
import t from 'tap'
import { execFileSync } from 'node:child_process'
import { buildStack, dir, file, opaque, whiteout, type Entry } from '../helpers/fixtures.js'
import { mountKernelOverlay } from '../helpers/kernel-overlay.js'
import { mountStrata, sessionEndOf } from '../helpers/strata-mount.js'
import { tmpdir } from '../helpers/tmpdir.js'

process.umask(0o022)

const many = (d: string, prefix: string, n: number): Entry[] =>
  Array.from({ length: n }, (_, i) => file(`${d}/${prefix}${i}`, `${prefix}${i}\n`))

/** top first; `d` and `e` have a few hundred entries each, more than one READDIR window */
const LAYERS: Entry[][] = [
  [dir('d'), ...many('d', 'a', 150), whiteout('d/b7'), whiteout('d/c8'), dir('e'), ...many('e', 'x', 120), opaque('o')],
  [dir('d'), ...many('d', 'b', 150), dir('d/sub'), file('d/sub/s', 's\n'), dir('e'), ...many('e', 'y', 100)],
  [dir('d'), ...many('d', 'c', 150), file('d/a3', 'hidden\n'), dir('e'), ...many('e', 'z', 150), dir('f')],
  [dir('o'), ...many('o', 'hidden', 20), dir('e'), ...many('e', 'w', 30)],
]

const py = (cwd: string, script: string): string =>
  execFileSync('python3', ['-c', `import os\n${SHOW}\n${script}`], { cwd, encoding: 'utf8' }).trim()

/** show(d): every entry with its type, size and content's first line, stat'ed after the whole listing was read */
const SHOW = `
def show(d):
    names = sorted(e.name for e in os.scandir(d))
    out = []
    for n in names:
        s = os.lstat(d + '/' + n)
        body = open(d + '/' + n).readline().strip() if os.path.isfile(d + '/' + n) else '-'
        out.append('%s %o %d %s' % (n, s.st_mode, s.st_size, body))
    return '%s (%d): %s' % (d, len(out), ', '.join(out))
`

const WORKLOAD = `
out = [show('d'), show('e')]
for i in range(1, 150, 7):
    os.unlink('d/b%d' % i)
for i in range(20):
    with open('e/new%d' % i, 'w') as f: f.write('n%d\\n' % i)
os.rename('d/c1', 'e/moved'); os.mkdir('d/made')
out += [show('d'), show('e'), show('f'), show('o')]
walked = sorted('%s %d' % (root, len(fs)) for root, ds, fs in os.walk('.'))
print('\\n'.join(out + walked))
`

t.test('listings and stats through the prefetch match kernel overlayfs', async (t) => {
  const base = tmpdir(t, 'strata-prefetch-')
  const k = buildStack(`${base}/k`, LAYERS)
  const kernel = mountKernelOverlay(t, k.lowers, k.upper as string, k.work as string, `${base}/k/mnt`)
  const m = await mountStrata(t, { ...buildStack(`${base}/s`, LAYERS), mnt: `${base}/s/mnt` })
  t.equal(py(m.mnt, WORKLOAD), py(kernel.mnt, WORKLOAD))
  const { prefetch, windows, requests } = await sessionEndOf(m)
  t.ok((prefetch.listings ?? 0) >= 2, `listings of d and e warmed (${JSON.stringify(prefetch)})`)
  t.ok((prefetch.entries ?? 0) >= 1, 'a window warmed')
  // d's second window came with names only, and its stats were LOOKUPs; e's, after them, with attributes
  t.ok((windows.names ?? 0) >= 1 && (windows.attributes ?? 0) >= 1, `window forms ${JSON.stringify(windows)}`)
  t.notOk(requests.READDIR, 'the kernel asks for READDIRPLUS only')
})
