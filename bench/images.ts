/**
 * bench/images: load and save against a real stratad on a scratch root, next to their floors,
 * `tar -x` and `tar -c` of the same layers on the same filesystem; and `image ls` latency with
 * 1,000 images. Rounds alternate strata and tar; medians and ratios are printed.
 *   npm run bench:images [-- --rounds N --images N]
 * The image: 3 layers (one 256 MiB file; 5,000 files of 16 KiB; 20,000 files of 1 KiB), as a
 * docker-archive of uncompressed layers.
 */
import { execFileSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { createReadStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { StrataClient } from '../client/client.js'
import { dockerArchive, startStratad } from './stratad.js'

const arg = (name: string, fallback: number) =>
  process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) : fallback
const ROUNDS = arg('--rounds', 3)
const IMAGES = arg('--images', 1000)

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number

function time(fn: () => void): number {
  const t0 = process.hrtime.bigint()
  fn()
  return Number(process.hrtime.bigint() - t0) / 1e9
}

async function timeAsync(fn: () => Promise<unknown>): Promise<number> {
  const t0 = process.hrtime.bigint()
  await fn()
  return Number(process.hrtime.bigint() - t0) / 1e9
}

/** The three layer trees, their tars, and a docker-archive holding them. */
function makeImage(dir: string): { trees: string[]; tars: string[]; archive: string } {
  const trees = ['big', 'medium', 'small'].map((n) => join(dir, 'src', n))
  trees.forEach((t) => mkdirSync(t, { recursive: true }))
  const big = randomBytes(16 * 1024 * 1024)
  for (let i = 0; i < 16; i++) writeFileSync(join(trees[0] as string, 'blob'), big, { flag: i ? 'a' : 'w' })
  for (let i = 0; i < 5000; i++) {
    mkdirSync(join(trees[1] as string, `d${i % 50}`), { recursive: true })
    writeFileSync(join(trees[1] as string, `d${i % 50}`, `f${i}`), randomBytes(16 * 1024))
  }
  for (let i = 0; i < 20000; i++) {
    mkdirSync(join(trees[2] as string, `d${i % 200}`), { recursive: true })
    writeFileSync(join(trees[2] as string, `d${i % 200}`, `f${i}`), randomBytes(1024))
  }
  const arch = join(dir, 'archive')
  mkdirSync(arch)
  const names = trees.map((t, i) => {
    execFileSync('tar', ['-C', t, '--sort=name', '-cf', join(arch, `layer${i}.tar`), '.'])
    return `layer${i}.tar`
  })
  const archive = join(dir, 'image.tar')
  const config = dockerArchive(arch, names, 'bench:1', archive)
  rmSync(arch, { recursive: true })
  process.stderr.write(
    `image: ${sha(config).slice(7, 19)}, archive ${(readFileSync(archive).length / 1e6).toFixed(0)} MB\n`,
  )
  return { trees, tars: names.map((n) => join(dir, n)), archive }
}

async function loadSave(dir: string, c: StrataClient, image: { archive: string; trees: string[] }) {
  const rows = { load: [] as number[], tarX: [] as number[], save: [] as number[], tarC: [] as number[] }
  const tarsOf = (into: string) =>
    image.trees.map((t, i) => {
      const out = join(into, `layer${i}.tar`)
      execFileSync('tar', ['-C', t, '--sort=name', '-cf', out, '.'])
      return out
    })
  const layerTars = tarsOf(mkdtempSync(join(dir, 'tars-')))
  for (let round = 0; round < ROUNDS; round++) {
    execFileSync('sync')
    rows.load.push(await timeAsync(() => c.call('image.load', {}, { upload: createReadStream(image.archive) })))
    const x = join(dir, `x${round}`)
    execFileSync('sync')
    rows.tarX.push(
      time(() =>
        layerTars.forEach((tarFile, i) => {
          mkdirSync(join(x, String(i)), { recursive: true })
          execFileSync('tar', ['-C', join(x, String(i)), '-xf', tarFile])
        }),
      ),
    )
    const out = join(dir, `saved${round}.tar`)
    const { createWriteStream } = await import('node:fs')
    rows.save.push(
      await timeAsync(async () => {
        const file = createWriteStream(out)
        await c.call('image.save', { images: ['bench:1'] }, { download: file })
        await new Promise<void>((r) => file.end(r))
      }),
    )
    rows.tarC.push(time(() => execFileSync('sh', ['-c', `tar -C ${x} -cf ${join(dir, 'c.tar')} .`])))
    rmSync(out)
    rmSync(join(dir, 'c.tar'))
    rmSync(x, { recursive: true })
    await c.call('image.remove', { image: 'bench:1' })
  }
  return rows
}

async function imageList(c: StrataClient, tiny: Buffer): Promise<number[]> {
  for (let i = 0; i < IMAGES; i++) {
    const upload = (async function* () {
      yield tiny
    })()
    await c.call('image.import', { ref: `many/img${i}:v1`, changes: [`LABEL n=${i}`] }, { upload })
  }
  const lat: number[] = []
  for (let i = 0; i < 50; i++) lat.push(await timeAsync(() => c.call('image.list', {})))
  return lat
}

async function main(): Promise<void> {
  const dir = mkdtempSync('/var/tmp/strata-bench-images-')
  try {
    const image = makeImage(dir)
    const d = await startStratad(dir)
    try {
      const r = await loadSave(dir, d.c, image)
      const tiny = execFileSync('tar', ['-C', image.trees[2] as string, '-cf', '-', 'd0'])
      const lat = (await imageList(d.c, tiny)).sort((a, b) => a - b)
      const fmt = (x: number) => x.toFixed(3)
      console.log('| operation (seconds, median) | strata | tar | strata/tar |')
      console.log('|---|---|---|---|')
      console.log(
        `| load vs tar -x | ${fmt(median(r.load))} | ${fmt(median(r.tarX))} | ${(median(r.load) / median(r.tarX)).toFixed(2)} |`,
      )
      console.log(
        `| save vs tar -c | ${fmt(median(r.save))} | ${fmt(median(r.tarC))} | ${(median(r.save) / median(r.tarC)).toFixed(2)} |`,
      )
      console.log(
        `\nimage.list with ${IMAGES} images: p50 ${(median(lat) * 1000).toFixed(1)} ms, ` +
          `p99 ${((lat[Math.floor(lat.length * 0.99)] ?? 0) * 1000).toFixed(1)} ms`,
      )
    } finally {
      await d.stop()
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

await main()
