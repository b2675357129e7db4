/**
 * Seeded random sequences of load / import / tag / rmi / prune / save-and-load-again / container
 * create, commit and remove against a real stratad. After every step: fsck is clean, the layer directories are exactly the chains of
 * the images that exist (nothing leaked, nothing deleted early), every image's layers export,
 * and `system df` equals what `du` says. A failing seed prints its steps: replay it by number.
 */
import { execFileSync } from 'node:child_process'
import { readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { imageLayerDirs } from '../helpers/layer-dirs.js'
import type { StrataClient } from '../../client/client.js'
import { saveImages } from '../helpers/download.js'
import { startDaemon, type Daemon } from '../helpers/daemon.js'
import { legacyDockerArchive, ociLayout, type TestImage } from '../helpers/image-archive.js'
import { chunks, tar } from '../helpers/tar-builder.js'
import { rng } from '../suites/random.js'

const SEEDS = Number(process.env.STRATA_IMAGE_SEEDS ?? 5)
const STEPS = 80
const TAGS = ['r:1', 'r:2', 's:latest', 'example.com/t:x']

const POOL = Array.from({ length: 6 }, (_, i) =>
  tar([
    { dir: `l${i}/` },
    { file: `l${i}/data`, body: Buffer.alloc(5000 * (i + 1), i) },
    ...(i % 2 ? [{ file: `shared/.wh.l${i - 1}` }] : []),
  ]),
)

type Rng = () => number
const pick = <T>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T

function randomImage(r: Rng): TestImage {
  const layers = Array.from({ length: 1 + Math.floor(r() * 3) }, () => pick(r, POOL))
  return { layers, tags: r() < 0.7 ? [pick(r, TAGS)] : [], config: { Labels: { n: String(Math.floor(r() * 3)) } } }
}

/** One random step; errors the daemon may rightly give (CONFLICT, NOT_FOUND) are part of the game. */
async function step(r: Rng, c: StrataClient, d: Daemon, log: string[]): Promise<void> {
  const images = await c.call('image.list', { all: true })
  const any = () => (images.length ? pick(r, images) : undefined)
  const roll = r()
  const tolerate = (err: { code?: string }) => {
    if (err.code !== 'CONFLICT' && err.code !== 'NOT_FOUND') throw err
    log.push(`-> ${err.code}`)
  }
  if (roll < 0.2) {
    await containerStep(r, c, d, images, log)
  } else if (roll < 0.4) {
    const imgs = Array.from({ length: 1 + Math.floor(r() * 2) }, () => randomImage(r))
    const oci = r() < 0.5
    log.push(
      `load ${oci ? 'oci' : 'docker'} ${imgs.map((i) => `${i.layers.map((l) => POOL.indexOf(l)).join('+')}${i.tags}`)}`,
    )
    const archive = oci ? ociLayout(imgs, { gzip: r() < 0.5 }) : legacyDockerArchive(imgs)
    await c.call('image.load', {}, { upload: chunks(archive, 32768) })
  } else if (roll < 0.48) {
    const layer = pick(r, POOL)
    log.push(`import ${POOL.indexOf(layer)}`)
    await c.call('image.import', { ref: r() < 0.5 ? pick(r, TAGS) : undefined }, { upload: chunks(layer) })
  } else if (roll < 0.6) {
    const img = any()
    const target = pick(r, TAGS)
    log.push(`tag ${img?.id.slice(7, 15)} ${target}`)
    if (img) await c.call('image.tag', { source: img.id, target })
  } else if (roll < 0.8) {
    const img = any()
    const byTag = img && img.repoTags.length && r() < 0.6
    const name = byTag ? pick(r, img.repoTags) : img?.id
    const force = r() < 0.3
    const noPrune = r() < 0.2
    log.push(`rmi ${name?.slice(0, 20)} force=${force} noPrune=${noPrune}`)
    if (name) await c.call('image.remove', { image: name, force, noPrune }).catch(tolerate)
  } else if (roll < 0.92) {
    const all = r() < 0.4
    const label: Record<string, string[]> = r() < 0.3 ? { label: [`n=${Math.floor(r() * 3)}`] } : {}
    log.push(`prune all=${all} ${JSON.stringify(label)}`)
    await c.call('image.prune', { all, filters: label })
  } else {
    const img = any()
    log.push(`save+load ${img?.id.slice(7, 15)}`)
    if (img) await c.call('image.load', {}, { upload: chunks(await saveImages(c, [img.id]), 65536) })
  }
}

/** Container create, a change written into its upper layer and commit, or remove. */
async function containerStep(
  r: Rng,
  c: StrataClient,
  d: Daemon,
  images: Array<{ id: string }>,
  log: string[],
): Promise<void> {
  const containers = await c.call('container.list', { all: true })
  const roll = r()
  if (roll < 0.4 || !containers.length) {
    const img = images.length ? pick(r, images) : undefined
    log.push(`create ${img?.id.slice(7, 15)}`)
    if (img) await c.call('container.create', { image: img.id })
    return
  }
  const ct = pick(r, containers)
  if (roll < 0.8) {
    const ref = r() < 0.5 ? pick(r, TAGS) : undefined
    log.push(`commit ${ct.name} ${ref}`)
    if (r() < 0.7) writeFileSync(join(d.root, 'containers', ct.id, 'upper', `c${Math.floor(r() * 4)}`), String(r()))
    await c.call('container.commit', { container: ct.id, ref })
  } else {
    log.push(`rm ${ct.name}`)
    await c.call('container.remove', { container: ct.id })
  }
}

async function check(t: Test, c: StrataClient, d: Daemon): Promise<boolean> {
  const fsck = await c.call('system.fsck', {})
  const images = await c.call('image.list', { all: true })
  const wanted = new Set<string>()
  for (const i of images) {
    for (const dir of await imageLayerDirs(c, i.id)) wanted.add(dir.split('/').at(-2) as string)
  }
  const onDisk = readdirSync(join(d.root, 'layers')).sort()
  const df = await c.call('system.df', {})
  const du = onDisk.length
    ? execFileSync('du', ['-s', '-B1', ...onDisk.map((n) => join(d.root, 'layers', n))])
        .toString()
        .trim()
        .split('\n')
        .reduce((n, l) => n + Number(l.split('\t')[0]), 0)
    : 0
  const ok =
    fsck.problems.length === 0 &&
    JSON.stringify([...wanted].sort()) === JSON.stringify(onDisk) &&
    df.layers.size === du &&
    readdirSync(join(d.root, 'tmp')).length === 0
  if (!ok) {
    t.same(fsck.problems, [], 'fsck is clean')
    t.same(onDisk, [...wanted].sort(), 'layer directories are exactly the chains of the images')
    t.equal(df.layers.size, du, 'df equals du')
  }
  return ok
}

for (let seed = 1; seed <= SEEDS; seed++) {
  t.test(`random image sequence, seed ${seed}`, async (t) => {
    const d = await startDaemon(t)
    const c = await d.connect()
    t.teardown(() => c.close())
    const r = rng(seed)
    const log: string[] = []
    for (let i = 0; i < STEPS; i++) {
      await step(r, c, d, log)
      if (!(await check(t, c, d))) {
        t.comment(`seed ${seed} failed after:\n${log.join('\n')}`)
        return
      }
    }
    const kinds = new Map<string, number>()
    for (const l of log) kinds.set(l.split(' ')[0] as string, (kinds.get(l.split(' ')[0] as string) ?? 0) + 1)
    t.pass(`${STEPS} steps (${[...kinds].map(([k, n]) => `${k} ${n}`).join(', ')}), store consistent after each`)
  })
}
