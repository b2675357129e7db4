/**
 * bench/run: every workload against ext4 (no union), kernel overlayfs, fuse-overlayfs and
 * strata-overlay over one layer stack (10 layers, ~20k files, a 1 GiB file in the lowest), on a
 * journaled ext4 in a loop-mounted image (losetup --direct-io=on: the root ext4 here has no
 * journal). Backends are interleaved in every round so machine drift hits all alike; it prints the
 * median seconds and the ratio to kernel overlayfs. Also lookup latency in stacks of 1 to 1,000 layers.
 *   npm run bench [-- --rounds N]   (root; takes a few minutes)
 */
import { execFileSync, execSync } from 'node:child_process'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { BACKENDS, mountBackend, type BackendName } from './backends.js'

const ROOT = '/tmp/strata-bench'
const ROUNDS = process.argv.includes('--rounds') ? Number(process.argv[process.argv.indexOf('--rounds') + 1]) : 3
const sh = (script: string, cwd?: string) => execSync(script, { cwd, stdio: 'pipe', shell: '/bin/bash' })
const dropCaches = () => writeFileSync('/proc/sys/vm/drop_caches', '3')

function setUpFilesystem(): string {
  sh(`umount -l ${ROOT}/fs 2>/dev/null || true; rm -rf ${ROOT}; mkdir -p ${ROOT}/fs`)
  sh(`truncate -s 12G ${ROOT}/image && mkfs.ext4 -q -F ${ROOT}/image`)
  const loop = execFileSync('losetup', ['--direct-io=on', '--show', '-f', `${ROOT}/image`])
    .toString()
    .trim()
  sh(`mount ${loop} ${ROOT}/fs`)
  return loop
}

function tearDownFilesystem(loop: string): void {
  sh(`umount ${ROOT}/fs; losetup -d ${loop}; rm -rf ${ROOT}`)
}

/** 10 layers of 2,000 files in 20 directories each; the lowest also holds big (1 GiB) and cu256. */
function buildStack(fs: string): string[] {
  const layers: string[] = []
  for (let i = 0; i < 10; i++) {
    const l = `${fs}/layers/l${i}`
    sh(
      `mkdir -p ${l} && cd ${l} && for d in $(seq 0 19); do mkdir -p d$d; for f in $(seq 0 99); do echo ${i}-$d-$f > d$d/f$f; done; done`,
    )
    layers.unshift(l) // top first: l9 is the top
  }
  const lowest = layers.at(-1) as string
  sh(`head -c 1073741824 /dev/urandom > ${lowest}/big && head -c 268435456 /dev/urandom > ${lowest}/cu256`)
  sh(`mkdir -p ${fs}/flat && for l in $(ls -d ${fs}/layers/l* | sort -V); do cp -a $l/. ${fs}/flat/; done`)
  sh(
    `mkdir -p ${fs}/src && cd ${fs}/src && for d in $(seq 0 99); do mkdir d$d; for f in $(seq 0 99); do echo $f > d$d/f$f; done; done && tar -cf ${fs}/small.tar -C ${fs}/src . && rm -rf ${fs}/src`,
  )
  return layers
}

type Workload = { name: string; prepare?: (mnt: string) => void; run: (mnt: string) => void }

function workloads(fs: string): Workload[] {
  return [
    { name: 'read 1 GiB, cold', prepare: () => dropCaches(), run: (m) => sh(`cat ${m}/big > /dev/null`) },
    {
      name: 'read 1 GiB, warm',
      prepare: (m) => sh(`cat ${m}/big > /dev/null`),
      run: (m) => sh(`cat ${m}/big > /dev/null`),
    },
    { name: 'write 1 GiB', run: (m) => sh(`dd if=/dev/zero of=${m}/written bs=1M count=1024 status=none`) },
    { name: 'copy-up 256 MiB', run: (m) => sh(`echo x >> ${m}/cu256`) },
    { name: 'stat all, cold', prepare: () => dropCaches(), run: (m) => sh(`find ${m} -printf '%s\\n' > /dev/null`) },
    {
      name: 'stat all, warm',
      prepare: (m) => sh(`find ${m} -printf '%s\\n' > /dev/null`),
      run: (m) => sh(`find ${m} -printf '%s\\n' > /dev/null`),
    },
    { name: 'untar 10k files', run: (m) => sh(`mkdir ${m}/untar && tar -xf ${fs}/small.tar -C ${m}/untar`) },
    {
      name: 'rm -rf 10k files',
      prepare: (m) => sh(`mkdir ${m}/untar && tar -xf ${fs}/small.tar -C ${m}/untar`),
      run: (m) => sh(`rm -rf ${m}/untar`),
    },
  ]
}

function time(fn: () => void): number {
  const t0 = process.hrtime.bigint()
  fn()
  return Number(process.hrtime.bigint() - t0) / 1e9
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN

function measure(fs: string, layers: string[]): Map<string, Map<BackendName, number[]>> {
  const results = new Map<string, Map<BackendName, number[]>>()
  for (let round = 0; round < ROUNDS; round++) {
    for (const w of workloads(fs)) {
      for (const b of BACKENDS) {
        if (b === 'ext4')
          sh(`rm -rf ${fs}/flat/written ${fs}/flat/untar; cp -a ${layers.at(-1)}/cu256 ${fs}/flat/cu256`)
        const m = mountBackend(b, layers, `${fs}/scratch`, `${fs}/flat`)
        try {
          w.prepare?.(m.mnt)
          const s = time(() => w.run(m.mnt))
          const row = results.get(w.name) ?? new Map<BackendName, number[]>()
          row.set(b, [...(row.get(b) ?? []), s])
          results.set(w.name, row)
        } finally {
          m.unmount()
        }
      }
    }
    process.stderr.write(`round ${round + 1}/${ROUNDS} done\n`)
  }
  return results
}

/** Lookup latency: stat of 1,000 names spread over every layer of an N-layer stack, cold (fresh mount). */
function lookupLatency(fs: string): Map<string, Map<BackendName, number[]>> {
  const results = new Map<string, Map<BackendName, number[]>>()
  for (const n of [1, 10, 100, 500, 1000]) {
    const base = `${fs}/deep${n}`
    sh(`mkdir -p ${base} && cd ${base} && for i in $(seq 0 ${n - 1}); do mkdir -p $i/d; done`)
    for (let i = 0; i < 1000; i++) writeFileSync(`${base}/${i % n}/d/f${i}`, 'x')
    const layers = Array.from({ length: n }, (_, i) => `${base}/${i}`)
    const row = new Map<BackendName, number[]>()
    for (const b of BACKENDS.filter((x) => x !== 'ext4')) {
      try {
        const m = mountBackend(b, layers, `${fs}/scratch`, '')
        try {
          const s = time(() => sh(`python3 -c "import os\nfor i in range(1000): os.stat('${m.mnt}/d/f%d' % i)"`))
          row.set(b, [(s / 1000) * 1e6])
        } finally {
          m.unmount()
        }
      } catch {
        row.set(b, []) // the backend cannot mount this many layers (overlayfs stops near 100 absolute paths)
      }
    }
    results.set(`lookup, ${n} layers (µs/stat)`, row)
  }
  return results
}

function print(results: Map<string, Map<BackendName, number[]>>, unit: string): void {
  const cols = ['ext4', 'overlayfs', 'fuse-overlayfs', 'strata', 'strata/overlayfs', 'strata/fuse-overlayfs']
  console.log(`| workload (${unit}) | ${cols.join(' | ')} |`)
  console.log(`|${'---|'.repeat(cols.length + 1)}`)
  for (const [name, row] of results) {
    const m = (b: BackendName) => median(row.get(b) ?? [])
    const fmt = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : 'n/a')
    const cells = BACKENDS.map((b) => fmt(m(b)))
    cells.push(fmt(m('strata') / m('overlayfs')), fmt(m('strata') / m('fuse-overlayfs')))
    console.log(`| ${name} | ${cells.join(' | ')} |`)
  }
}

function main(): void {
  const loop = setUpFilesystem()
  try {
    const fs = `${ROOT}/fs`
    mkdirSync(`${fs}/scratch`, { recursive: true })
    const layers = buildStack(fs)
    print(measure(fs, layers), 'seconds, median')
    print(lookupLatency(fs), 'µs per stat, cold mount')
  } finally {
    rmSync(`${ROOT}/fs/scratch`, { recursive: true, force: true })
    tearDownFilesystem(loop)
  }
}

main()
