/**
 * bench/run's memory table: the resident set (VmRSS) of the process serving a FUSE mount right
 * after mounting and after a full walk of the tree, and the bytes per file above that baseline,
 * for strata and fuse-overlayfs. The 20k-file stack is walked with `find` plus `ls -lR`; with
 * `--million`, a single-layer tree of 1M empty files is built and walked with `find`.
 */
import { readFileSync } from 'node:fs'
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

export function printMemory(fx: Fixture, o: Options): void {
  const trees: Tree[] = [
    {
      name: `${o.sizes.layers} layers, ${fx.files.length.toLocaleString('en-US')} files (find + ls -lR)`,
      lowers: fx.layers,
      files: fx.files.length,
      walk: (m) => `find ${m} > /dev/null && ls -lR ${m} > /dev/null`,
    },
  ]
  if (o.million) {
    const n = o.sizes.millionFiles
    process.stderr.write(`building a ${n}-file tree\n`)
    python(MANY_FILES, [`${fx.fs}/million`, n])
    trees.push({
      name: `1 layer, ${n.toLocaleString('en-US')} files (find)`,
      lowers: [`${fx.fs}/million`],
      files: n,
      walk: (m) => `find ${m} > /dev/null`,
    })
  }
  console.log('\n| tree | backend | RSS after mount (MB) | RSS after the walk (MB) | bytes per file above that |')
  console.log('|---|---|---|---|---|')
  for (const t of trees) {
    for (const b of MEASURED) {
      checkStop()
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
      console.log(`| ${t.name} | ${b} | ${cells.join(' | ')} |`)
    }
  }
}
