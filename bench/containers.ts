/**
 * bench/containers: `diff` and `commit` of a container with 10, 1,000 and 10,000 changed files
 * on a 20,000-file image, next to the floor `tar -C upper -c . | sha256sum` (ratios) and, since a
 * commit must also write the new layer, next to `tar -C upper -c . | tar -x` too; and the
 * time to mount a container on a 10-layer and a 500-layer image. Against a real stratad on a
 * scratch root; medians of 3 rounds.
 *   npm run bench:containers [-- --rounds N]
 */
import { execFileSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { StrataClient } from '../client/client.js'
import { dockerArchive, startStratad } from './stratad.js'

const ROUNDS = process.argv.includes('--rounds') ? Number(process.argv[process.argv.indexOf('--rounds') + 1]) : 3
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number
const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`

async function timed(fn: () => unknown): Promise<number> {
  const t0 = process.hrtime.bigint()
  await fn()
  return Number(process.hrtime.bigint() - t0) / 1e9
}

/** A docker-archive of `layers` layers; the first holds `files` files of 1 KiB. */
function archive(dir: string, layers: number, files: number): Buffer {
  const work = mkdtempSync(join(dir, 'arch-'))
  const tars: string[] = []
  for (let l = 0; l < layers; l++) {
    const tree = join(work, `t${l}`)
    mkdirSync(tree)
    const n = l === 0 ? files : 1
    for (let i = 0; i < n; i++) {
      mkdirSync(join(tree, `d${i % 200}`), { recursive: true })
      writeFileSync(join(tree, `d${i % 200}`, `l${l}f${i}`), randomBytes(1024))
    }
    execFileSync('tar', ['-C', tree, '-cf', join(work, `l${l}.tar`), '.'])
    tars.push(`l${l}.tar`)
  }
  const file = join(dir, `l${layers}.tar`)
  const config = dockerArchive(work, tars, `bench/l${layers}:1`, file)
  const out = readFileSync(file)
  rmSync(file)
  rmSync(work, { recursive: true })
  process.stderr.write(`image bench/l${layers}:1 ${sha(config).slice(7, 19)}: ${layers} layers, ${files} files\n`)
  return out
}

async function load(c: StrataClient, bytes: Buffer): Promise<void> {
  await c.call(
    'image.load',
    {},
    {
      upload: (async function* () {
        yield bytes
      })(),
    },
  )
}

async function diffAndCommit(c: StrataClient, root: string, changed: number) {
  const rows = { diff: [] as number[], commit: [] as number[], floor: [] as number[], copy: [] as number[] }
  for (let round = 0; round < ROUNDS; round++) {
    const { id } = await c.call('container.create', { image: 'bench/l1:1' })
    const upper = join(root, 'containers', id, 'upper')
    for (let i = 0; i < changed; i++) {
      mkdirSync(join(upper, `d${i % 200}`), { recursive: true })
      writeFileSync(join(upper, `d${i % 200}`, `new${i}`), randomBytes(1024))
    }
    execFileSync('sync')
    rows.floor.push(await timed(() => execFileSync('sh', ['-c', `tar -C ${upper} -c . | sha256sum`])))
    const copy = join(root, 'tmp', `copy-${round}`)
    mkdirSync(copy)
    rows.copy.push(await timed(() => execFileSync('sh', ['-c', `tar -C ${upper} -c . | tar -C ${copy} -x`])))
    rmSync(copy, { recursive: true })
    rows.diff.push(await timed(() => c.call('container.diff', { container: id })))
    const t = await timed(() => c.call('container.commit', { container: id, ref: `bench/commit:${changed}` }))
    rows.commit.push(t)
    await c.call('container.remove', { container: id })
    await c.call('image.remove', { image: `bench/commit:${changed}` })
  }
  return rows
}

async function mountTime(c: StrataClient, layers: number): Promise<number[]> {
  const out: number[] = []
  for (let round = 0; round < ROUNDS; round++) {
    const { id } = await c.call('container.create', { image: `bench/l${layers}:1` })
    out.push(await timed(() => c.call('container.mount', { container: id })))
    await c.call('container.remove', { container: id, force: true })
  }
  return out
}

async function main(): Promise<void> {
  const dir = mkdtempSync('/var/tmp/strata-bench-containers-')
  const d = await startStratad(dir)
  try {
    await load(d.c, archive(dir, 1, 20_000))
    await load(d.c, archive(dir, 10, 0))
    await load(d.c, archive(dir, 500, 0))
    console.log(
      '| changed files | diff (s) | commit (s) | tar -c upper \\| sha256sum (s) | diff/that | commit/that | tar -c \\| tar -x (s) | commit/that |',
    )
    console.log('|---|---|---|---|---|---|---|---|')
    for (const n of [10, 1000, 10_000]) {
      const r = await diffAndCommit(d.c, d.root, n)
      const [dm, cm, fm, xm] = [median(r.diff), median(r.commit), median(r.floor), median(r.copy)]
      const f = (x: number) => x.toFixed(3)
      const q = (a: number, b: number) => (a / b).toFixed(2)
      console.log(`| ${n} | ${f(dm)} | ${f(cm)} | ${f(fm)} | ${q(dm, fm)} | ${q(cm, fm)} | ${f(xm)} | ${q(cm, xm)} |`)
    }
    for (const layers of [10, 500])
      console.log(`\nmount, ${layers}-layer image: ${median(await mountTime(d.c, layers)).toFixed(3)} s (median)`)
  } finally {
    await d.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

await main()
