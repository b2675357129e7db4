/**
 * The layer store: layers/<chainID hex>/{diff/, tar-split.gz} on disk, a record per layer in
 * LevelDB (store/layer-records.ts). A layer is committed and never changes; it is stored once per
 * chainID.
 *
 * Lifecycle: `stage(parent, tar)` unpacks into tmp/ and checks the diffID, outside any queue.
 * `record(staged, write)` runs under the metadata queue: layers not recorded by then (also one
 * a concurrent rmi or prune just deleted) are renamed into layers/ and their record ops handed
 * to `write`, which puts them in the same batch as whatever references them (an image); if that
 * batch fails, the renamed directories go again. Whatever is left in tmp/ is removed at the end.
 * So an ingest never races a deletion: what exists is decided where the batch is written. A
 * crash between the rename and the batch leaves a directory without a record, which `reconcile`
 * (at daemon start) removes; it also empties tmp/.
 *
 * Readers outside the queue (save, push) `lease` the layers they stream, under the queue where
 * the records are sure; a deleted layer's directory then stays until the lease ends, and a layer
 * stored again meanwhile keeps that directory (daemon/leases.ts).
 *
 *   const staged = await layers.stage(null, tarStream, { expectDiffId })
 *   await metadata.add((lock) => layers.record(lock, [staged], (ops) => images.add(lock, image, ops)))
 *
 * Errors: INVALID_ARGUMENT for a hostile, broken or mismatching tar (nothing stored changes),
 * NOT_FOUND for an unknown parent or layer.
 * Tests: test/unit/layers/layer-store.test.ts
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { chainIdOf, hexOf, parseDiffId, type ChainId, type DiffId } from '../digests.js'
import { contentSize } from '../content-size.js'
import { diskUsage } from '../disk-usage.js'
import { removeTree } from '../overlay/backing-fs.js'
import { invalidArgument, notFound } from '../errors.js'
import { Leases, type Release } from '../leases.js'
import type { Logger } from '../log.js'
import type { BatchOp, Db } from '../store/db.js'
import { LayerRecords, type LayerDirs, type LayerRecord } from '../store/layer-records.js'
import { decompress } from '../tar/decompress.js'
import { TarError } from '../tar/tar-header.js'
import type { TarLimits, TarSummary } from '../tar/tar-reader.js'
import { readSplit, SplitRecorder } from '../tar/tar-split.js'
import { applyTar } from './apply-tar.js'
import { exportTar } from './export-tar.js'
import type { MetadataLock } from '../store/metadata-queue.js'

export interface StagedLayer {
  layer: LayerRecord
  /** tmp/layer-…: the unpacked layer until `record` moves it into place or drops it. */
  dir: string
}

export interface StageOptions {
  expectDiffId?: DiffId
  signal?: AbortSignal
}

export const DEFAULT_LIMITS: TarLimits = { maxBytes: 64 * 1024 ** 3, maxEntries: 2_000_000 }

export class LayerStore implements LayerDirs {
  /** Directories read outside the metadata queue (save, push): their removal waits. */
  private readonly leases: Leases<ChainId>
  /** The layers' records in LevelDB (store/layer-records.ts). */
  private readonly records: LayerRecords

  constructor(
    private readonly root: string,
    private readonly db: Db,
    private readonly log: Logger,
    private readonly limits: TarLimits = DEFAULT_LIMITS,
  ) {
    mkdirSync(join(root, 'layers'), { recursive: true, mode: 0o700 })
    this.leases = new Leases(log)
    this.records = new LayerRecords(db)
  }

  /** Holds the layers' directories (call under the metadata queue, where records are sure). */
  lease(ids: Iterable<ChainId>): Release {
    return this.leases.hold(ids)
  }

  /** Whether a deleted layer's directory waits for a lease (not a stray one). */
  isLeased(id: ChainId): boolean {
    return this.leases.isHeld(id)
  }

  stat(id: ChainId): Promise<LayerRecord> {
    return this.records.stat(id)
  }

  /** Under the metadata queue: notes a layer's gzip'd digest after a push (a deleted one is left). */
  rememberGzip(lock: MetadataLock, id: ChainId, gzip: { digest: string; size: number }): Promise<void> {
    lock.check()
    return this.records.rememberGzip(id, gzip)
  }

  has(id: ChainId): Promise<boolean> {
    return this.records.has(id)
  }

  /** The data root's tmp/: staging, emptied at start. */
  get tmpDir(): string {
    return join(this.root, 'tmp')
  }

  /** layers/<hex>: the layer's diff/ and tar-split.gz. */
  dirOf(id: ChainId): string {
    return join(this.root, 'layers', hexOf(id))
  }

  /** The chainIDs of the layer directories present, recorded or not. */
  directories(): ChainId[] {
    return readdirSync(join(this.root, 'layers')).map((hex) => `sha256:${hex}` as ChainId)
  }

  /** The blob a pulled layer arrived as, when it was kept. */
  blobPath(id: ChainId): string {
    return join(this.dirOf(id), 'blob')
  }

  /** The layer's directory in overlay format (a lowerdir). */
  diffDir(id: ChainId): string {
    return join(this.dirOf(id), 'diff')
  }

  /** The chain from this layer down to the base, top first (the order of lowerdir=). */
  chain(id: ChainId): Promise<LayerRecord[]> {
    return this.records.chain(id)
  }

  /** The layers of an image or container whose top is `top`, base first (the order of a manifest). */
  baseFirst(top: ChainId | null): Promise<LayerRecord[]> {
    return this.records.baseFirst(top)
  }

  /** Unpacks a layer tar into tmp/; on failure nothing is left. The parent is checked by `record`. */
  async stage(
    parent: ChainId | null,
    source: AsyncIterable<Uint8Array>,
    opts: StageOptions = {},
  ): Promise<StagedLayer> {
    return this.inStaging((dir) => this.unpack(parent, dir, source, opts))
  }

  /**
   * A layer whose diff/ and tar-split `fill` writes itself (diff/upper-layer.ts, for commit),
   * staged like one from a tar; on failure nothing is left.
   */
  async stageFrom(
    parent: ChainId | null,
    fill: (diff: string, split: SplitRecorder) => Promise<TarSummary>,
    opts: StageOptions = {},
  ): Promise<StagedLayer> {
    return this.inStaging(async (dir) => {
      mkdirSync(join(dir, 'diff'), { mode: 0o755 })
      const split = new SplitRecorder()
      return this.staged(parent, dir, await fill(join(dir, 'diff'), split), split, opts)
    })
  }

  /** A new directory in tmp/ that `build` fills; removed again when it fails. */
  private async inStaging(build: (dir: string) => Promise<LayerRecord>): Promise<StagedLayer> {
    const dir = mkdtempSync(join(this.root, 'tmp', 'layer-'))
    try {
      return { layer: await build(dir), dir }
    } catch (err) {
      removeTree(dir)
      throw err
    }
  }

  private async unpack(
    parent: ChainId | null,
    staging: string,
    source: AsyncIterable<Uint8Array>,
    opts: StageOptions,
  ): Promise<LayerRecord> {
    mkdirSync(join(staging, 'diff'), { mode: 0o755 })
    const split = new SplitRecorder()
    let summary
    try {
      summary = await applyTar(join(staging, 'diff'), decompress(source), this.limits, split)
    } catch (err) {
      if (err instanceof TarError) throw invalidArgument(`bad layer tar: ${err.message}`, { cause: err })
      throw err
    }
    return this.staged(parent, staging, summary, split, opts)
  }

  /** The staged layer's record, once its diffID is checked and its tar-split written. */
  private staged(
    parent: ChainId | null,
    staging: string,
    summary: TarSummary,
    split: SplitRecorder,
    opts: StageOptions,
  ): LayerRecord {
    opts.signal?.throwIfAborted()
    const diffId = parseDiffId(summary.diffId)
    if (opts.expectDiffId && opts.expectDiffId !== diffId)
      throw invalidArgument(`layer diffID mismatch: got ${diffId}, want ${opts.expectDiffId}`)
    writeFileSync(join(staging, 'tar-split.gz'), split.finish())
    return {
      chainId: chainIdOf(parent, diffId),
      diffId,
      parent,
      size: summary.bytes,
      contentBytes: contentSize(join(staging, 'diff')),
      diskBytes: diskUsage(staging),
      entries: summary.entries,
      createdAt: new Date().toISOString(),
    }
  }

  /**
   * Gives a staged layer the compressed blob it arrived as (a pulled layer), kept as layers/<hex>/blob
   * so a push can send it back unchanged. `moveTo` puts the whole, verified blob file at the path
   * it is given (registry/download.ts renames its download there: the bytes are not written twice).
   */
  withBlob(
    staged: StagedLayer,
    blob: { digest: string; mediaType: string },
    moveTo: (path: string) => void,
  ): StagedLayer {
    const path = join(staged.dir, 'blob')
    moveTo(path)
    const st = statSync(path)
    // As disk-usage.ts counts it: the file's allocated blocks (it has no other links).
    const diskBytes = staged.layer.diskBytes + st.blocks * 512
    return { dir: staged.dir, layer: { ...staged.layer, diskBytes, blob: { ...blob, size: st.size } } }
  }

  /**
   * Under the metadata queue: moves the staged layers that have no record into place and calls
   * `write` with their record ops (empty for layers already recorded), to be written in the
   * caller's batch. Parents must be recorded or staged before their children in `staged`.
   * Returns the records as stored. Staging directories are gone afterwards, whatever happened.
   */
  async record(
    lock: MetadataLock,
    staged: StagedLayer[],
    write: (ops: BatchOp[]) => Promise<void>,
  ): Promise<LayerRecord[]> {
    lock.check()
    const placed: ChainId[] = []
    try {
      const { ops, records } = await this.place(staged, placed)
      await write(ops)
      return records
    } catch (err) {
      for (const id of placed) this.removeDir(id)
      throw err
    } finally {
      this.discard(staged)
    }
  }

  /**
   * The staged layer on `parent`: the same directory when it is not used on another parent yet,
   * else staged again from its own exact tar (a blob that two chains share).
   */
  async onParent(staged: StagedLayer, parent: ChainId | null, copy: boolean): Promise<StagedLayer> {
    if (!copy)
      return { dir: staged.dir, layer: { ...staged.layer, parent, chainId: chainIdOf(parent, staged.layer.diffId) } }
    const split = readSplit(readFileSync(join(staged.dir, 'tar-split.gz')))
    return this.stage(parent, exportTar(join(staged.dir, 'diff'), split))
  }

  /** Drops staging directories (those `record` moved are gone already). */
  discard(staged: StagedLayer[]): void {
    for (const s of staged) removeTree(s.dir)
  }

  private async place(staged: StagedLayer[], placed: ChainId[]) {
    const ops: BatchOp[] = []
    const records: LayerRecord[] = []
    const now = new Map<ChainId, LayerRecord>()
    for (const { layer, dir } of staged) {
      const { parent, chainId } = layer
      if (parent !== null && !now.has(parent) && !(await this.has(parent)))
        throw notFound(`parent layer ${parent} of ${chainId} is not stored`)
      const known = now.get(chainId) ?? (await this.records.get(chainId))
      if (known) {
        records.push(known)
        continue
      }
      const stored = this.revive(layer, dir) ?? this.move(layer, dir)
      placed.push(chainId)
      now.set(chainId, stored)
      records.push(stored)
      ops.push(this.records.putOp(stored))
    }
    return { ops, records }
  }

  private move(layer: LayerRecord, staging: string): LayerRecord {
    const final = this.dirOf(layer.chainId)
    removeTree(final) // a leftover without a record
    renameSync(staging, final)
    return layer
  }

  /**
   * A layer deleted while a lease held its directory, and stored again before the lease ended:
   * the directory (the same content: the chainID says so) stays; a blob that came with the new
   * copy joins it.
   */
  private revive(layer: LayerRecord, staging: string): LayerRecord | undefined {
    if (!this.leases.cancel(layer.chainId)) return undefined
    const final = this.dirOf(layer.chainId)
    if (layer.blob) renameSync(join(staging, 'blob'), join(final, 'blob'))
    return { ...layer, diskBytes: diskUsage(final) }
  }

  /** The exact tar the layer was imported from: needs its record, or a lease on it. */
  async *export(id: ChainId): AsyncGenerator<Buffer> {
    if (!this.leases.isHeld(id)) await this.stat(id)
    const dir = this.dirOf(id)
    yield* exportTar(join(dir, 'diff'), readSplit(readFileSync(join(dir, 'tar-split.gz'))))
  }

  walk(): AsyncGenerator<LayerRecord> {
    return this.records.walk()
  }

  /**
   * At start: remove layer directories no record names, and give records from before content
   * sizes were kept their `contentBytes` (one walk of each such layer, once, in one batch).
   */
  async reconcile(): Promise<void> {
    const known = new Set<string>()
    const filled: BatchOp[] = []
    for await (const r of this.walk()) {
      known.add(r.chainId)
      if (r.contentBytes === undefined) this.fillContentBytes(r, filled)
    }
    if (filled.length) {
      await this.db.batch(filled)
      this.log.info('recorded the content size of layers stored before it was kept', { layers: filled.length })
    }
    for (const id of this.directories()) {
      if (known.has(id)) continue
      this.log.warn('removing a layer directory without a record', { dir: hexOf(id) })
      this.removeDir(id)
    }
  }

  private fillContentBytes(r: LayerRecord, ops: BatchOp[]): void {
    try {
      ops.push(this.records.putOp({ ...r, contentBytes: contentSize(join(this.dirOf(r.chainId), 'diff')) }))
    } catch (err) {
      // fsck reports a missing directory; until then its sizes fall back to the tar's bytes.
      this.log.warn('cannot measure a layer, its sizes show its tar bytes', { layer: r.chainId, err })
    }
  }

  /** Removes the layer's directory now, or when the last lease on it ends. */
  removeDir(id: ChainId): void {
    this.leases.removeWhenFree(id, () => removeTree(this.dirOf(id)))
  }
}
