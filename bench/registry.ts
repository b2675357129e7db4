/**
 * bench/registry: pull throughput from a real registry on loopback (Debian's docker-registry),
 * strata with 3 layers at a time and with 1, against `skopeo copy` of the same image to a local
 * directory (which only downloads and verifies; strata also unpacks). The image: 4 gzip'd layers
 * of 48 MiB of random data each, pushed by skopeo. Medians of 3 rounds; ratios.
 *   npm run bench:registry [-- --rounds N]
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { dockerArchive, startStratad } from './stratad.js'

const ROUNDS = process.argv.includes('--rounds') ? Number(process.argv[process.argv.indexOf('--rounds') + 1]) : 3
const LAYERS = 4
const LAYER_BYTES = 48 * 1024 * 1024
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number

async function timed(fn: () => unknown): Promise<number> {
  const t0 = process.hrtime.bigint()
  await fn()
  return Number(process.hrtime.bigint() - t0) / 1e9
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number }
      srv.close(() => resolve(port))
    })
  })
}

async function registry(dir: string): Promise<{ host: string; proc: ChildProcess }> {
  const host = `127.0.0.1:${await freePort()}`
  const config = join(dir, 'registry.yml')
  writeFileSync(
    config,
    `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, 'registry')}\nhttp:\n  addr: ${host}\n`,
  )
  const proc = spawn('docker-registry', ['serve', config], { stdio: 'ignore' })
  for (let i = 0; i < 100; i++) {
    const up = await fetch(`http://${host}/v2/`).then(
      (r) => r.ok,
      () => false,
    )
    if (up) return { host, proc }
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error('the registry did not start')
}

/** A docker-archive of LAYERS random layers, pushed gzip'd by skopeo. */
function pushImage(dir: string, host: string): string {
  const work = join(dir, 'image')
  const tars: string[] = []
  for (let i = 0; i < LAYERS; i++) {
    mkdirSync(join(work, `t${i}`), { recursive: true })
    writeFileSync(join(work, `t${i}`, 'data'), randomBytes(LAYER_BYTES))
    execFileSync('tar', ['-C', join(work, `t${i}`), '-cf', join(work, `l${i}.tar`), '.'])
    tars.push(`l${i}.tar`)
  }
  dockerArchive(work, tars, 'bench:1', join(dir, 'image.tar'))
  const ref = `${host}/bench/img:1`
  execFileSync('skopeo', [
    '--insecure-policy',
    'copy',
    '--dest-tls-verify=false',
    '--dest-compress',
    `docker-archive:${join(dir, 'image.tar')}`,
    `docker://${ref}`,
  ])
  rmSync(work, { recursive: true })
  return ref
}

async function main(): Promise<void> {
  const dir = mkdtempSync('/var/tmp/strata-bench-registry-')
  const reg = await registry(dir)
  const flags = (n: number) => ['--max-concurrent-downloads', String(n)]
  const [parallel, serial] = [
    await startStratad(dir, 'parallel', flags(3)),
    await startStratad(dir, 'serial', flags(1)),
  ]
  try {
    const ref = pushImage(dir, reg.host)
    const rows = { parallel: [] as number[], serial: [] as number[], skopeo: [] as number[] }
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, d] of [
        ['parallel', parallel],
        ['serial', serial],
      ] as const) {
        rows[name].push(await timed(() => d.c.call('image.pull', { ref })))
        await d.c.call('image.remove', { image: ref })
      }
      const out = join(dir, `skopeo-${round}`)
      rows.skopeo.push(
        await timed(() =>
          execFileSync('skopeo', [
            '--insecure-policy',
            'copy',
            '--src-tls-verify=false',
            `docker://${ref}`,
            `dir:${out}`,
          ]),
        ),
      )
      rmSync(out, { recursive: true })
    }
    const mb = (LAYERS * LAYER_BYTES) / 1e6
    const [p, s, k] = [median(rows.parallel), median(rows.serial), median(rows.skopeo)]
    console.log('| pull of 4 gzip layers, 201 MB (median s) | seconds | MB/s | vs skopeo copy |')
    console.log('|---|---|---|---|')
    console.log(`| strata, 3 layers at a time | ${p.toFixed(3)} | ${(mb / p).toFixed(0)} | ${(p / k).toFixed(2)} |`)
    console.log(`| strata, 1 layer at a time | ${s.toFixed(3)} | ${(mb / s).toFixed(0)} | ${(s / k).toFixed(2)} |`)
    console.log(`| skopeo copy to dir: | ${k.toFixed(3)} | ${(mb / k).toFixed(0)} | 1.00 |`)
  } finally {
    await parallel.stop()
    await serial.stop()
    reg.proc.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  }
}

await main()
