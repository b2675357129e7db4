/**
 * bench/run's memory tables: the resident set (VmRSS) of the process serving a FUSE mount right
 * after mounting and after a full walk of the tree, and the bytes per file above that baseline,
 * for strata and fuse-overlayfs. Part 'memory': the 20k-file stack walked with `find` plus
 * `ls -lR`. Part 'memory 1M files' (`--million`, or an `--only` naming 1M): a single-layer tree
 * of 1,000,000 empty files, built once per run (the first part to need it builds it), walked with
 * `find`; the kernel holds every inode at the end, so this is the worker's memory per held inode.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { mountBackend, type BackendName } from './backends.js'
import { python, sh, type Fixture } from './fixture.js'
import { checkStop, type Options } from './options.js'

const MEASURED: BackendName[] = ['fuse-overlayfs', 'strata']

function rssBytes(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'))
  return Number(/(\d+)\s*kB/.exec(line ?? '')?.[1]) * 1024
}

interface Tree {
  name: string
  lowers: string[]
  files: number
  walk: (mnt: string) => string
}

/** argv: root, files. Empty files, 1,000 to a directory. */
const MANY_FILES = `
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
for k in range(n):
    if k % 1000 == 0:
        os.makedirs('%s/d%d' % (root, k // 1000))
    os.close(os.open('%s/d%d/f%d' % (root, k // 1000, k), os.O_CREAT | os.O_WRONLY, 0o644))
`

/** The 1M-file lower, built at the first call of a run (a marker says it is complete). */
function millionTree(fx: Fixture, n: number): string {
  const dir = `${fx.fs}/million`
  if (existsSync(`${fx.fs}/million.built`)) return dir
  process.stderr.write(`building a ${n.toLocaleString('en-US')}-file tree\n`)
  sh(`rm -rf ${dir}`)
  python(MANY_FILES, [dir, n])
  writeFileSync(`${fx.fs}/million.built`, `${n}\n`)
  return dir
}

const HEADER = [
  '| tree | backend | RSS after mount (MB) | RSS after the walk (MB) | bytes per file above that |',
  '|---|---|---|---|---|',
]

/** One row: mount `b` on the tree, RSS, walk, RSS; n/a cells (and a line on stderr) if it failed. */
function row(fx: Fixture, t: Tree, b: BackendName): string {
  let cells = ['n/a', 'n/a', 'n/a']
  try {
    const m = mountBackend(b, t.lowers, fx.scratch, '')
    try {
      const pid = m.pid()
      if (pid === null) throw new Error(`no process serves ${m.mnt}`)
      const before = rssBytes(pid)
      sh(t.walk(m.mnt))
      const after = rssBytes(pid)
      cells = [(before / 2 ** 20).toFixed(1), (after / 2 ** 20).toFixed(1), ((after - before) / t.files).toFixed(0)]
    } finally {
      m.unmount()
    }
  } catch (err) {
    process.stderr.write(`memory on ${b}: ${String(err)}\n`)
  }
  return `| ${t.name} | ${b} | ${cells.join(' | ')} |`
}

function printTrees(fx: Fixture, trees: Tree[]): void {
  console.log(`\n${HEADER.join('\n')}`)
  for (const t of trees) {
    for (const b of MEASURED) {
      checkStop()
      console.log(row(fx, t, b))
    }
  }
}

/** Part 'memory': the 20k-file stack. */
export function printMemory(fx: Fixture, o: Options): void {
  printTrees(fx, [
    {
      name: `${o.sizes.layers} layers, ${fx.files.length.toLocaleString('en-US')} files (find + ls -lR)`,
      lowers: fx.layers,
      files: fx.files.length,
      walk: (m) => `find ${m} > /dev/null && ls -lR ${m} > /dev/null`,
    },
  ])
}

/** Part 'memory 1M files': the single-layer tree of `millionFiles` empty files. */
export function printMillionMemory(fx: Fixture, o: Options): void {
  const n = o.sizes.millionFiles
  printTrees(fx, [
    {
      name: `1 layer, ${n.toLocaleString('en-US')} files (find)`,
      lowers: [millionTree(fx, n)],
      files: n,
      walk: (m) => `find ${m} > /dev/null`,
    },
  ])
}
