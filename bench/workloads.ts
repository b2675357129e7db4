/**
 * The workloads of bench/run's main table, each timed on a fresh mount of every backend: an
 * optional untimed `prepare` (drop caches for a cold run, the same command once for a warm one,
 * an untar for the workloads that act on its files), the timed `run`, and `afterExt4` to put the
 * flat copy back when the workload changed files the layers have (union backends start from an
 * empty upper every time). A `run` that returns a number reports its own seconds: the Python
 * scripts time their loop (Python's start-up left out) and fio its I/O.
 */
import { execFileSync } from 'node:child_process'
import type { Sizes } from './options.js'
import { dropCaches, python, restoreFlat, sh, type Fixture } from './fixture.js'

export interface Workload {
  name: string
  prepare?: (mnt: string) => void
  /** seconds, when the workload times itself */
  run: (mnt: string) => number | void
  afterExt4?: () => void
}

const size = (b: number) => (b >= 1 << 30 ? `${b / 2 ** 30} GiB` : `${b / 2 ** 20} MiB`)
const count = (n: number) => n.toLocaleString('en-US')

/** argv: mnt, list, n. Opens the first n files O_RDWR (a copy-up each) and closes them; prints the seconds. */
const OPEN_RDWR = `
import os, sys, time
mnt, paths = sys.argv[1], open(sys.argv[2]).read().split()[:int(sys.argv[3])]
t0 = time.perf_counter()
for p in paths:
    os.close(os.open(mnt + '/' + p, os.O_RDWR))
print(time.perf_counter() - t0)
`

/** argv: mnt, list, passes. lstat of every listed file, `passes` times (what `git status` does); prints the seconds. */
const LSTAT_ALL = `
import os, sys, time
paths = [sys.argv[1] + '/' + p for p in open(sys.argv[2]).read().split()]
t0 = time.perf_counter()
for _ in range(int(sys.argv[3])):
    for p in paths:
        os.lstat(p)
print(time.perf_counter() - t0)
`

/**
 * argv: mnt, list, create, append, remove, mkdirs, chmods. The changes a commit then takes: new
 * directories, new files (half in them, half in the lower directories), appends to lower files,
 * deletes of others and chmods of others. Prints the seconds.
 */
const COMMIT_CHANGES = `
import os, sys, time
mnt, paths = sys.argv[1], open(sys.argv[2]).read().split()
create, append, remove, mkdirs, chmods = map(int, sys.argv[3:8])
lower_dirs = sorted({p.split('/')[0] for p in paths})
t0 = time.perf_counter()
for k in range(mkdirs):
    os.mkdir('%s/new%d' % (mnt, k))
for k in range(create):
    d = 'new%d' % (k % mkdirs) if k % 2 == 0 else lower_dirs[k % len(lower_dirs)]
    with open('%s/%s/c%d' % (mnt, d, k), 'w') as f:
        f.write('created %d\\n' % k)
for p in paths[:append]:
    with open(mnt + '/' + p, 'a') as f:
        f.write('appended\\n')
for p in paths[append:append + remove]:
    os.unlink(mnt + '/' + p)
for p in paths[append + remove:append + remove + chmods]:
    os.chmod(mnt + '/' + p, 0o600)
print(time.perf_counter() - t0)
`

/**
 * 4k random O_DIRECT writes of `mib` MiB over the file at mnt/fio.dat, 10 s at most: fio's own
 * time for the I/O (its start-up left out), scaled up to the full amount if the cap stopped it.
 */
function fioSeconds(mnt: string, mib: number): number {
  const out = execFileSync('fio', [
    '--name=randwrite',
    `--filename=${mnt}/fio.dat`,
    `--size=${mib}M`,
    '--bs=4k',
    '--rw=randwrite',
    '--direct=1',
    '--ioengine=psync',
    '--norandommap',
    '--randrepeat=1',
    '--runtime=10',
    '--output-format=json',
  ])
  const w = (JSON.parse(out.toString()) as { jobs: { write: { runtime: number; io_bytes: number } }[] }).jobs[0]?.write
  if (!w?.io_bytes) throw new Error('fio wrote nothing')
  return (w.runtime / 1000) * ((mib << 20) / w.io_bytes)
}

export function workloads(fx: Fixture, s: Sizes): Workload[] {
  const fileCount = count(fx.files.length)
  const warm = (cmd: (m: string) => string, name: string): Workload[] => [
    { name: `${name}, cold`, prepare: () => dropCaches(), run: (m) => sh(cmd(m)) },
    { name: `${name}, warm`, prepare: (m) => sh(cmd(m)), run: (m) => sh(cmd(m)) },
  ]
  const untarSmall = (m: string) => sh(`mkdir ${m}/untar && tar -xf ${fx.smallTar} -C ${m}/untar`)
  const untarNpm = (m: string) => sh(`mkdir ${m}/npm && tar -xf ${fx.npmTar} -C ${m}/npm`)
  const rmDirs = Array.from({ length: s.rmLowerDirs }, (_, k) => `d${s.dirs - 1 - k}`)
  const c = s.commit
  return [
    ...warm((m) => `cat ${m}/big > /dev/null`, `read ${size(s.bigBytes)}`),
    {
      name: `write ${size(s.bigBytes)}`,
      run: (m) => sh(`dd if=/dev/zero of=${m}/written bs=1M count=${s.bigBytes >> 20} status=none`),
    },
    {
      name: `copy-up ${size(s.copyUpBytes)} (append 1 byte)`,
      run: (m) => sh(`echo x >> ${m}/cu`),
      afterExt4: () => restoreFlat(fx),
    },
    ...warm((m) => `find ${m} > /dev/null`, `find (${fileCount} files)`),
    ...warm((m) => `find ${m} -printf '%s\\n' > /dev/null`, 'stat every file (find -printf %s)'),
    ...warm((m) => `ls -lR ${m} > /dev/null`, 'ls -lR'),
    {
      name: `open O_RDWR (copy-up) of ${count(s.copyUpFiles)} small lower files`,
      run: (m) => Number(python(OPEN_RDWR, [m, fx.fileList, s.copyUpFiles])),
    },
    { name: `untar ${count(fx.smallTarFiles)} small files`, run: untarSmall },
    { name: `rm -rf those ${count(fx.smallTarFiles)} files`, prepare: untarSmall, run: (m) => sh(`rm -rf ${m}/untar`) },
    {
      name: `rm -rf a lower tree (${rmDirs.length} of ${s.dirs} dirs, whiteouts)`,
      run: (m) => sh(`cd ${m} && rm -rf ${rmDirs.join(' ')}`),
      afterExt4: () => restoreFlat(fx),
    },
    {
      name: `fio 4k random writes, O_DIRECT (${s.fioMiB} MiB)`,
      prepare: (m) => sh(`dd if=/dev/zero of=${m}/fio.dat bs=1M count=${s.fioMiB} conv=fsync status=none`),
      run: (m) => fioSeconds(m, s.fioMiB),
    },
    {
      // the two big files are left out: with them this measures sha256, not the filesystem
      name: 'tar + sha256 of the tree, warm',
      prepare: (m) => sh(`tar -cf - -C ${m} --exclude=./big --exclude=./cu . > /dev/null`),
      run: (m) => sh(`tar -cf - -C ${m} --exclude=./big --exclude=./cu . | sha256sum > /dev/null`),
    },
    {
      name: `commit-like changes (+${count(c.create)} files, ${c.append} appends, ${c.remove} deletes, ${c.mkdirs} mkdirs, ${c.chmods} chmods)`,
      run: (m) => Number(python(COMMIT_CHANGES, [m, fx.fileList, c.create, c.append, c.remove, c.mkdirs, c.chmods])),
      afterExt4: () => restoreFlat(fx),
    },
    { name: `npm-like: untar ${count(s.npmFiles)} files`, run: untarNpm },
    { name: 'npm-like: find', prepare: untarNpm, run: (m) => sh(`find ${m}/npm > /dev/null`) },
    { name: 'npm-like: chmod -R g+w', prepare: untarNpm, run: (m) => sh(`chmod -R g+w ${m}/npm`) },
    { name: 'npm-like: rm -rf', prepare: untarNpm, run: (m) => sh(`rm -rf ${m}/npm`) },
    {
      name: `git-status-like: lstat ${fileCount} files x3`,
      prepare: (m) => sh(`find ${m} > /dev/null`),
      run: (m) => Number(python(LSTAT_ALL, [m, fx.fileList, 3])),
    },
  ]
}
