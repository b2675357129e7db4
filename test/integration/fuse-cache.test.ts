/**
 * The kernel's caches through a strata mount: attributes and names are cached for an hour, so what
 * this mount itself changes must never show stale (rename over a cached entry, rmdir of a listed
 * directory, a copy-up seen through an old handle, a hard link's attributes after a chmod through
 * another name), and the requests that reach the worker stay few: their counts per workload are
 * asserted as upper bounds (counts, not times).
 */
import t from 'tap'
import { execFileSync } from 'node:child_process'
import { buildStack, dir, file, type Entry } from '../helpers/fixtures.js'
import { mountStrata, requestsOf } from '../helpers/strata-mount.js'
import { tmpdir } from '../helpers/tmpdir.js'

process.umask(0o022)

async function strata(t: Parameters<typeof tmpdir>[0], layers: Entry[][], options: string[] = []) {
  const base = tmpdir(t, 'strata-cache-')
  const dirs = buildStack(base, layers)
  const m = await mountStrata(t, { ...dirs, mnt: `${base}/mnt`, options })
  return { m, base }
}

const sh = (cwd: string, script: string): string => execFileSync('sh', ['-c', script], { cwd, encoding: 'utf8' })
const py = (cwd: string, script: string): string => execFileSync('python3', ['-c', script], { cwd, encoding: 'utf8' })

const total = (r: Record<string, number>, without: string[] = ['INIT', 'STATFS', 'DESTROY']) =>
  Object.entries(r).reduce((n, [op, c]) => (without.includes(op) ? n : n + c), 0)

/** 8 directories of 25 files each, in a tar made outside the mount. */
function smallTar(base: string): string {
  sh(
    base,
    'mkdir src && cd src && for d in 0 1 2 3 4 5 6 7; do mkdir d$d; for f in $(seq 25); do echo $f > d$d/f$f; done; done',
  )
  sh(base, 'tar -cf small.tar -C src . && rm -rf src')
  return `${base}/small.tar`
}

const lowerTree: Entry[] = [
  dir('tree'),
  ...Array.from({ length: 100 }, (_, i) => file(`tree/d${i % 5}/f${i}`, `lower ${i}\n`)),
]

t.test('tar -x costs at most 9 requests per file it creates', async (t) => {
  const { m, base } = await strata(t, [lowerTree])
  const tar = smallTar(base)
  sh(m.mnt, `mkdir x && tar -xf ${tar} -C x`)
  const r = await requestsOf(m)
  const perFile = total(r) / 200
  t.ok(perFile <= 9.5, `${perFile.toFixed(2)} requests per created file: ${JSON.stringify(r)}`)
  t.equal(r.FLUSH ?? 0, 1, 'FLUSH is answered ENOSYS once, then never sent again')
  t.ok((r.GETATTR ?? 0) <= 200 + 20, `GETATTR ${r.GETATTR}: at most one per file`)
})

t.test('a second ls -lR is served by the kernel: no LOOKUP or listing reaches the worker', async (t) => {
  const once = await strata(t, [lowerTree])
  sh(once.m.mnt, 'ls -lR > /dev/null')
  const first = await requestsOf(once.m)
  const twice = await strata(t, [lowerTree])
  sh(twice.m.mnt, 'ls -lR > /dev/null; ls -lR > /dev/null')
  const both = await requestsOf(twice.m)
  for (const op of ['LOOKUP', 'READDIR', 'READDIRPLUS'])
    t.equal(both[op] ?? 0, first[op] ?? 0, `${op}: ${first[op] ?? 0} for the first pass, none for the second`)
  // a readdir drops a directory's cached atime (the kernel's own rule), so its stat may ask again
  t.ok((both.GETATTR ?? 0) - (first.GETATTR ?? 0) <= 7, 'GETATTR: at most one per directory (7) again')
  // POSIX_ACL: the kernel caches ACLs, so only security.selinux is asked again, once per entry
  t.ok((both.GETXATTR ?? 0) - (first.GETXATTR ?? 0) <= 110, 'GETXATTR: at most one per entry again')
  t.ok(total(both) - total(first) <= 110 + 4 * 7, 'the second pass: the uncached xattr query and the opens')
})

t.test('listing what this mount made stats no entry again: ls -lR after tar -x sends no LOOKUP', async (t) => {
  const made = await strata(t, [lowerTree])
  sh(made.m.mnt, `mkdir x && tar -xf ${smallTar(made.base)} -C x`)
  const untar = await requestsOf(made.m)
  const listed = await strata(t, [lowerTree])
  sh(listed.m.mnt, `mkdir x && tar -xf ${smallTar(listed.base)} -C x && ls -lR x > /dev/null && find x > /dev/null`)
  t.equal(sh(listed.m.mnt, 'ls x/d3 | wc -l').trim(), '25', 'the listing is whole')
  t.equal(
    sh(listed.m.mnt, 'stat -c %a:%s x/d3/f7').trim(),
    '644:2',
    'an entry sent without attributes shows the right ones',
  )
  const both = await requestsOf(listed.m)
  // the 200 files' nodes are the kernel's already: their entries carry no attributes and count no
  // lookup; the 9 directories (tar chmods each, which drops its dentry) get full entries instead
  t.equal(both.LOOKUP ?? 0, untar.LOOKUP ?? 0, `LOOKUP: ${untar.LOOKUP} for the untar, none for ls -lR and find`)
  t.ok((both.READDIRPLUS ?? 0) <= 9 + 1, `READDIRPLUS ${both.READDIRPLUS}: about one per directory`)
  t.ok((both.GETATTR ?? 0) - (untar.GETATTR ?? 0) <= 9 + 2, 'GETATTR: at most one per directory again')
  t.ok((both.OPENDIR ?? 0) <= 1, 'OPENDIR: the first one is told ENOSYS, then the kernel sends none')
  t.equal(both.RELEASEDIR ?? 0, 0, 'nor RELEASEDIR')
})

t.test('a directory read while its entries are removed returns every remaining entry once', async (t) => {
  const { m } = await strata(t, [lowerTree])
  // 3,000 long names: several replies; half are unlinked while the directory is read, which drops
  // the kernel's cached listing, so it asks again from the last offset it returned
  const out = py(
    m.mnt,
    [
      'import os',
      "os.mkdir('big')",
      "for i in range(3000): open('big/an-entry-with-a-long-name-%05d' % i, 'w').close()",
      'seen = []',
      "with os.scandir('big') as it:",
      '    for e in it:',
      '        seen.append(e.name)',
      '        if int(e.name[-5:]) % 2 == 0: os.unlink(e.path)',
      "kept = ['an-entry-with-a-long-name-%05d' % i for i in range(1, 3000, 2)]",
      'print(len(seen), len(set(seen)), all(seen.count(k) == 1 for k in kept))',
      "print(sorted(os.listdir('big')) == kept)",
    ].join('\n'),
  )
  const [counts, after] = out.trim().split('\n')
  const [n, distinct, keptOnce] = (counts as string).split(' ')
  t.equal(n, distinct, `no entry twice (${n} read)`)
  t.equal(keptOnce, 'True', 'every entry that stayed was read exactly once')
  t.equal(after, 'True', 'and the listing after holds exactly those')
  t.equal(sh(m.mnt, 'rm -rf big && ls'), 'tree\n', 'rm -rf of the rest leaves nothing')
})

t.test('a stat of a cold file costs about one request', async (t) => {
  const { m } = await strata(t, [lowerTree])
  py(m.mnt, 'import os\nfor i in range(100): os.stat("tree/d%d/f%d" % (i % 5, i))')
  const r = await requestsOf(m)
  t.ok(total(r) <= 100 + 10, `${total(r)} requests for 100 cold stats: ${JSON.stringify(r)}`)
})

t.test('rename over a cached entry shows the moved file at once', async (t) => {
  const { m } = await strata(t, [[file('a', 'aaaa'), file('b', 'b')]])
  t.equal(sh(m.mnt, 'stat -c %s a b'), '4\n1\n', 'both cached')
  sh(m.mnt, 'mv a b')
  t.equal(sh(m.mnt, 'stat -c %s b; cat b'), '4\naaaa')
  t.throws(() => sh(m.mnt, 'stat a 2>/dev/null'), 'the old name is gone')
  sh(m.mnt, 'echo new > a && mv -T a b')
  t.equal(sh(m.mnt, 'cat b; ls'), 'new\nb\n')
})

t.test('rmdir of a listed directory, made again, lists empty', async (t) => {
  const { m } = await strata(t, [[file('d/one', '1'), file('d/two', '2')]])
  t.equal(sh(m.mnt, 'ls d'), 'one\ntwo\n', 'listed (the kernel keeps the listing)')
  sh(m.mnt, 'rm d/one d/two && rmdir d && mkdir d')
  t.equal(sh(m.mnt, 'ls -A d'), '')
  sh(m.mnt, 'echo 3 > d/three')
  t.equal(sh(m.mnt, 'ls d'), 'three\n')
})

t.test('a copy-up is seen through the path at once and through an old read handle', async (t) => {
  for (const options of [[], ['nopassthrough']]) {
    const { m } = await strata(t, [[file('f', 'lower\n')]], options)
    const out = py(
      m.mnt,
      [
        'import os',
        'old = os.open("f", os.O_RDONLY)',
        'before = os.fstat(old).st_size',
        'with open("f", "a") as w: w.write("more\\n")',
        'print(before, os.stat("f").st_size)',
        'print(repr(os.pread(old, 100, 0)))',
      ].join('\n'),
    )
    const [sizes, data] = out.trim().split('\n')
    t.equal(sizes, '6 11', `${options.join(',') || 'passthrough'}: the path shows the copy's size`)
    if (options.length) t.equal(data, "b'lower\\nmore\\n'", 'without passthrough an old reader moves to the copy')
    else t.equal(data, "b'lower\\n'", 'with passthrough an old reader keeps the file it opened (fuse-notes.md)')
  }
})

t.test("a hard link's attributes after a chmod through another name", async (t) => {
  const { m } = await strata(t, [[dir('d')]])
  sh(m.mnt, 'echo x > d/f && ln d/f d/g && chmod 644 d/f')
  t.equal(sh(m.mnt, 'stat -c "%a %h" d/f d/g'), '644 2\n644 2\n', 'both names cached')
  sh(m.mnt, 'chmod 600 d/f && chown 65534 d/g')
  t.equal(sh(m.mnt, 'stat -c "%a %u %h" d/g d/f'), '600 65534 2\n600 65534 2\n')
  sh(m.mnt, 'rm d/f')
  t.equal(sh(m.mnt, 'stat -c "%a %h" d/g'), '600 1\n', 'nlink drops on the other name')
})
