/**
 * `strata fsck`: recounts every reference from scratch (refs.ts, the same definition the
 * batches use) and checks records against each other and against the layer directories.
 * With `repair` it fixes what it safely can, in one batch: wrong refcounts, tags of missing
 * images, stale disk sizes, layer and container directories without a record, container names,
 * and layers nothing references (a leak), which go as rmi would have removed them. Missing or
 * altered layer content and broken chains are reported, never guessed at. Runs under the
 * metadata queue.
 * Tests: test/integration/image-prune.test.ts, test/unit/store/fsck-drift.test.ts
 */
import { existsSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import type { FsckProblem, FsckResult } from '../../client/protocol.js'
import { chainIdOf, sha256, type ChainId } from '../digests.js'
import { diskUsage } from '../disk-usage.js'
import type { BatchOp, Db } from './db.js'
import { parseConfig } from './image-config.js'
import type { ContainerRecord, ContainerStore } from './containers.js'
import type { ImageRecord, TagRecord } from './images.js'
import { containerNameKey, layerKey, PREFIX, refcountKey, tagKey } from './keys.js'
import type { LayerDirs, LayerRecord } from './layer-records.js'
import { referencesOf, type Referrer } from './refs.js'
import type { MetadataLock } from './metadata-queue.js'

interface Found {
  problems: FsckProblem[]
  ops: BatchOp[]
  /** Layer directories to remove once the batch is written. */
  removeDirs: ChainId[]
  removeContainerDirs: string[]
}

export async function fsck(
  lock: MetadataLock,
  db: Db,
  layers: LayerDirs,
  containerStore: ContainerStore,
  repair: boolean,
): Promise<FsckResult> {
  lock.check()
  const layerRecs = await db.list<LayerRecord>(PREFIX.layer)
  const images = await db.list<ImageRecord>(PREFIX.image)
  const tags = await db.list<TagRecord>(PREFIX.tag)
  const containers = await db.list<ContainerRecord>(PREFIX.container)
  const f: Found = { problems: [], ops: [], removeDirs: [], removeContainerDirs: [] }
  const report = (kind: string, subject: string, message: string, fix?: () => void) => {
    if (repair && fix) fix()
    f.problems.push({ kind, subject, message, repaired: repair && fix !== undefined })
  }
  const byId = new Map(layerRecs.map((l) => [l.chainId, l]))
  checkLayers(layerRecs, byId, layers, report, f)
  checkDirs(byId, layers, report, f)
  checkImages(images, byId, report)
  const imageIds = new Set(images.map((i) => i.id))
  for (const t of tags)
    if (!imageIds.has(t.imageId))
      report('tag', t.ref, `names image ${t.imageId}, which does not exist`, () =>
        f.ops.push({ type: 'del', key: tagKey(t.ref) }),
      )
  await checkContainers(db, containers, imageIds, containerStore, report, f)
  await checkRefcounts(db, layerRecs, [...images, ...containers], byId, report, f)
  if (repair && f.ops.length) await db.batch(f.ops)
  if (repair) for (const id of f.removeDirs) layers.removeDir(id)
  if (repair) for (const dir of f.removeContainerDirs) rmSync(dir, { recursive: true, force: true })
  return {
    checked: { layers: layerRecs.length, images: images.length, tags: tags.length, containers: containers.length },
    problems: f.problems,
  }
}

type Report = (kind: string, subject: string, message: string, fix?: () => void) => void

function checkLayers(
  layerRecs: LayerRecord[],
  byId: Map<ChainId, LayerRecord>,
  layers: LayerDirs,
  report: Report,
  f: Found,
): void {
  for (const l of layerRecs) {
    if (chainIdOf(l.parent, l.diffId) !== l.chainId)
      report('layer', l.chainId, 'its chainID does not follow from its parent and diffID')
    if (l.parent && !byId.has(l.parent)) report('layer', l.chainId, `its parent ${l.parent} has no record`)
    const dir = layers.dirOf(l.chainId)
    if (!existsSync(join(dir, 'diff')) || !existsSync(join(dir, 'tar-split.gz'))) {
      report('layer-dir', dir, 'the layer directory or its tar-split is missing')
      continue
    }
    const bytes = diskUsage(dir)
    if (diskBytesDrifted(bytes, l.diskBytes))
      report('layer', l.chainId, `takes ${bytes} bytes on disk, its record says ${l.diskBytes}`, () =>
        f.ops.push({ type: 'put', key: layerKey(l.chainId), value: { ...l, diskBytes: bytes } }),
      )
  }
}

/**
 * A recorded disk size is measured when the layer is stored, before writeback: ext4 adds an
 * extent-tree block (4 KiB) to a large fragmented file only when it writes it out, and may give
 * back preallocated blocks later. Such lag is not a problem; a size off by more than 0.1% (at
 * least 64 KiB) is.
 */
export function diskBytesDrifted(measured: number, recorded: number): boolean {
  return Math.abs(measured - recorded) > Math.max(64 * 1024, recorded / 1000)
}

function checkDirs(byId: Map<ChainId, LayerRecord>, layers: LayerDirs, report: Report, f: Found): void {
  for (const id of layers.directories())
    if (!byId.has(id) && !layers.isLeased(id))
      report('layer-dir', layers.dirOf(id), 'a layer directory without a record', () => f.removeDirs.push(id))
}

function checkImages(images: ImageRecord[], byId: Map<ChainId, LayerRecord>, report: Report): void {
  for (const i of images) {
    const config = Buffer.from(i.config)
    if (sha256(config) !== i.id) report('image', i.id, 'its config does not hash to its ID')
    if (i.topLayer && !byId.has(i.topLayer)) {
      report('image', i.id, `its top layer ${i.topLayer} has no record`)
      continue
    }
    const chain: string[] = []
    for (let cur = i.topLayer; cur && chain.length <= byId.size; cur = byId.get(cur)?.parent ?? null)
      chain.unshift(byId.get(cur)?.diffId ?? '?')
    let diffIds: string[] = []
    try {
      diffIds = parseConfig(config).rootfs.diff_ids
    } catch (err) {
      report('image', i.id, `its config does not parse: ${(err as Error).message}`)
      continue
    }
    if (diffIds.join() !== chain.join()) report('image', i.id, 'its layers do not match the diffIDs of its config')
  }
}

function checkContainers(
  db: Db,
  containers: ContainerRecord[],
  imageIds: Set<string>,
  store: ContainerStore,
  report: Report,
  f: Found,
): Promise<void> {
  const ids = new Set(containers.map((c) => c.id))
  for (const c of containers) {
    if (!imageIds.has(c.imageId)) report('container', c.id, `its image ${c.imageId} does not exist`)
    if (!existsSync(join(store.dirOf(c.id), 'upper'))) report('container', c.id, 'its upper directory is missing')
  }
  for (const name of store.directories())
    if (!ids.has(name) && !store.isLeased(name))
      report('container-dir', store.dirOf(name), 'a container directory without a record', () =>
        f.removeContainerDirs.push(store.dirOf(name)),
      )
  return checkNames(db, containers, report, f)
}

async function checkNames(db: Db, containers: ContainerRecord[], report: Report, f: Found): Promise<void> {
  for (const c of containers)
    if ((await db.get<string>(containerNameKey(c.name))) !== c.id)
      report('container', c.id, `its name ${c.name} does not lead to it`, () =>
        f.ops.push({ type: 'put', key: containerNameKey(c.name), value: c.id }),
      )
}

/** Expected counts from every referrer; layers nothing references are leaks (released on repair). */
async function checkRefcounts(
  db: Db,
  layerRecs: LayerRecord[],
  imagesAndContainers: Array<ImageRecord | ContainerRecord>,
  byId: Map<ChainId, LayerRecord>,
  report: Report,
  f: Found,
): Promise<void> {
  const expected = new Map<ChainId, number>()
  const referrers: Referrer[] = [
    ...layerRecs.map((record): Referrer => ({ kind: 'layer', record })),
    ...imagesAndContainers.map((r): Referrer =>
      'config' in r ? { kind: 'image', record: r } : { kind: 'container', record: r },
    ),
  ]
  for (const r of referrers) for (const id of referencesOf(r)) expected.set(id, (expected.get(id) ?? 0) + 1)
  const leaked = layerRecs.filter((l) => !expected.get(l.chainId))
  for (let l = leaked.shift(); l; l = leaked.shift()) {
    const layer = l
    report('layer', layer.chainId, 'nothing references it (leaked)', () => {
      f.ops.push({ type: 'del', key: layerKey(layer.chainId) })
      f.removeDirs.push(layer.chainId)
    })
    if (!layer.parent || !byId.has(layer.parent)) continue
    const n = (expected.get(layer.parent) ?? 0) - 1
    expected.set(layer.parent, n)
    if (n === 0) leaked.push(byId.get(layer.parent) as LayerRecord)
  }
  const stored = new Map<string, number>()
  for await (const [key, n] of db.scan<number>(PREFIX.refcount)) stored.set(key.slice(PREFIX.refcount.length), n)
  for (const id of new Set([...expected.keys(), ...stored.keys()] as ChainId[])) {
    const want = expected.get(id) ?? 0
    const have = stored.get(id) ?? 0
    if (want === have) continue
    report('refcount', id, `stored ${have}, counted ${want}`, () =>
      f.ops.push(want > 0 ? { type: 'put', key: refcountKey(id), value: want } : { type: 'del', key: refcountKey(id) }),
    )
  }
}
