/**
 * What bench/run measures on: a journaled ext4 in a loop-mounted image (losetup --direct-io=on:
 * the root ext4 here has no journal) holding the layer stack, its flat copy (the ext4 backend), the
 * tars the untar workloads unpack and the list of the stack's small files. And the way out of it
 * all: `tearDown` unmounts whatever is still mounted under the root, detaches the image's loop
 * devices and removes the root, whatever state a failed run left.
 */
import { execFileSync, execSync, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import type { Sizes } from './options.js'

export const sh = (script: string): void => {
  execSync(`set -o pipefail; ${script}`, { stdio: 'pipe', shell: '/bin/bash' })
}
/** Debian's python3 when there is one: a version manager's shim costs half a second per start. */
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3'
/** Runs a Python script; its stdout. */
export const python = (code: string, args: (string | number)[]) =>
  execFileSync(PYTHON, ['-c', code, ...args.map(String)], { stdio: 'pipe' }).toString()
export const dropCaches = () => writeFileSync('/proc/sys/vm/drop_caches', '3')

export interface Fixture {
  /** the mounted ext4 */
  fs: string
  /** top first, as in lowerdir= */
  layers: string[]
  /** the merged tree copied flat: the ext4 backend */
  flat: string
  /** upper/, work/ and mnt/ of the mount under test */
  scratch: string
  /** the small files of the merged tree, relative, spread over every layer and directory */
  files: string[]
  /** `files`, one a line */
  fileList: string
  /** `untarDirs` directories of 100 small files */
  smallTar: string
  smallTarFiles: number
  /** an npm-like node_modules tree of `npmFiles` small files in nested directories */
  npmTar: string
}

export function setUp(root: string, sizes: Sizes, manyInodes: boolean): Fixture {
  tearDown(root)
  mkdirSync(`${root}/fs`, { recursive: true })
  // the 1M-file tree needs more inodes than the default one per 16 KiB
  sh(`truncate -s ${sizes.image} ${root}/image && mkfs.ext4 -q -F ${manyInodes ? '-i 8192' : ''} ${root}/image`)
  const loop = execFileSync('losetup', ['--direct-io=on', '--show', '-f', `${root}/image`])
    .toString()
    .trim()
  sh(`mount ${loop} ${root}/fs`)
  const fs = `${root}/fs`
  mkdirSync(`${fs}/scratch`)
  const layers = buildStack(fs, sizes)
  const files = smallFiles(sizes)
  writeFileSync(`${fs}/files.txt`, files.join('\n') + '\n')
  const fx: Fixture = {
    fs,
    layers,
    flat: `${fs}/flat`,
    scratch: `${fs}/scratch`,
    files,
    fileList: `${fs}/files.txt`,
    smallTar: `${fs}/small.tar`,
    smallTarFiles: sizes.untarDirs * 100,
    npmTar: `${fs}/npm.tar`,
  }
  sh(`mkdir -p ${fx.flat} && for l in ${[...layers].reverse().join(' ')}; do cp -a $l/. ${fx.flat}/; done`)
  sh(
    `mkdir -p ${fs}/src && cd ${fs}/src && for d in $(seq 0 ${sizes.untarDirs - 1}); do mkdir d$d; for f in $(seq 0 99); do echo $f > d$d/f$f; done; done && tar -cf ${fx.smallTar} -C ${fs}/src . && rm -rf ${fs}/src`,
  )
  python(NPM_TREE, [`${fs}/npm`, sizes.npmFiles])
  sh(`tar -cf ${fx.npmTar} -C ${fs}/npm . && rm -rf ${fs}/npm`)
  return fx
}

/**
 * `layers` layers; each has the same `dirs` directories (merged by the union) with its own
 * `filesPerDir` files in each, plus a `shared` file every layer has (the top one shows). The
 * lowest also holds `big` and `cu` (the big read and copy-up files).
 */
function buildStack(fs: string, s: Sizes): string[] {
  const layers: string[] = []
  for (let i = 0; i < s.layers; i++) {
    const l = `${fs}/layers/l${i}`
    sh(
      `mkdir -p ${l} && cd ${l} && for d in $(seq 0 ${s.dirs - 1}); do mkdir -p d$d; echo ${i} > d$d/shared; for f in $(seq 0 ${s.filesPerDir - 1}); do echo ${i}-$d-$f > d$d/l${i}f$f; done; done`,
    )
    layers.unshift(l) // top first
  }
  const lowest = layers.at(-1) as string
  sh(`head -c ${s.bigBytes} /dev/urandom > ${lowest}/big && head -c ${s.copyUpBytes} /dev/urandom > ${lowest}/cu`)
  return layers
}

/** Ordered file-major (f, then layer, then directory), so any prefix spreads over every layer and directory. */
function smallFiles(s: Sizes): string[] {
  const out: string[] = []
  for (let f = 0; f < s.filesPerDir; f++)
    for (let i = 0; i < s.layers; i++) for (let d = 0; d < s.dirs; d++) out.push(`d${d}/l${i}f${f}`)
  return out
}

/** Puts the flat copy's small-file directories and `cu` back as the layers have them (after a workload changed them). */
export function restoreFlat(fx: Fixture): void {
  const bottomUp = [...fx.layers].reverse()
  sh(`cd ${fx.flat} && rm -rf d* new* && for l in ${bottomUp.join(' ')}; do cp -a $l/d* .; done`)
  sh(`cp -a ${bottomUp[0]}/cu ${fx.flat}/cu`)
}

/** Removes what a workload adds to the flat copy (files no layer has). */
export const cleanFlat = (fx: Fixture) => sh(`cd ${fx.flat} && rm -rf written untar npm fio.dat`)

/** argv: root, files. Packages of 50 files (lib/, lib/internal/, dist/, dist/esm/); every fifth nested under the one before. */
const NPM_TREE = `
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
names = ['package.json', 'README.md', 'LICENSE', 'index.js'] + ['lib/m%d.js' % k for k in range(16)] \\
    + ['lib/internal/i%d.js' % k for k in range(10)] + ['dist/b%d.js' % k for k in range(10)] \\
    + ['dist/esm/e%d.mjs' % k for k in range(10)]
made, pkg = 0, 0
while made < n:
    base = '%s/node_modules/pkg%d' % (root, pkg)
    if pkg % 5 == 4:
        base = '%s/node_modules/pkg%d/node_modules/dep%d' % (root, pkg - 1, pkg)
    for sub in ('lib/internal', 'dist/esm'):
        os.makedirs(base + '/' + sub, exist_ok=True)
    for name in names[: n - made]:
        with open(base + '/' + name, 'w') as f:
            f.write(('// %d %s\\n' % (pkg, name)) * 8)
        made += 1
    pkg += 1
`

/** Mountpoints under `root` in /proc/self/mountinfo, deepest first. */
function mountsUnder(root: string): string[] {
  const unescape = (p: string) => p.replace(/\\(\d{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)))
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => unescape(line.split(' ')[4] ?? ''))
    .filter((p) => p === root || p.startsWith(`${root}/`))
    .sort((a, b) => b.length - a.length)
}

/** Unmounts everything under `root`, detaches the loop devices of its image and removes it. */
export function tearDown(root: string): void {
  for (const m of mountsUnder(root)) if (spawnSync('umount', [m]).status !== 0) spawnSync('umount', ['-l', m])
  const loops = spawnSync('losetup', ['-j', `${root}/image`]).stdout?.toString() ?? ''
  for (const line of loops.split('\n')) {
    const dev = line.split(':')[0]
    if (dev) spawnSync('losetup', ['-d', dev])
  }
  spawnSync('rm', ['-rf', root])
}
