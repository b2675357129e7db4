/**
 * The layer store: layers/<chainID hex>/{diff/, tar-split.gz} on disk, a record per layer in
 * LevelDB. A layer is committed and never changes; it is stored once per chainID.
 *
 * Lifecycle: `stage(parent, tar)` unpacks into tmp/, checks the diffID, and renames the result
 * into layers/ (or finds the layer already there); it returns the record and the batch ops that
 * record it, for the caller to write in the same batch as whatever references the layer (an
 * image). A crash between the rename and that batch leaves a directory without a record, which
 * `reconcile` (at daemon start) removes; it also empties tmp/.
 *
 *   const staged = await layers.stage(null, tarStream, { expectDiffId })
 *   await db.batch([...staged.ops, { type: 'put', key: imageKey(id), value: image }])
 *
 * Errors: INVALID_ARGUMENT for a hostile, broken or mismatching tar (nothing stored changes),
 * NOT_FOUND for an unknown parent or layer.
 * Tests: test/unit/layers/layer-store.test.ts
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import { invalidArgument, notFound } from '../errors.js'
import type { Logger } from '../log.js'
import type { BatchOp, Db } from '../store/db.js'
import { layerKey, PREFIX } from '../store/keys.js'
import { applyTar } from './apply-tar.js'
import { decompress } from './decompress.js'
import { chainIdOf, hexOf, parseDiffId, type ChainId, type DiffId } from './digests.js'
import { exportTar } from './export-tar.js'
import { TarError } from './tar-header.js'
import type { TarLimits } from './tar-reader.js'
import { readSplit, SplitRecorder } from './tar-split.js'

export interface LayerRecord {
  chainId: ChainId
  diffId: DiffId
  parent: ChainId | null
  /** Bytes of the uncompressed tar. */
  size: number
  entries: number
  createdAt: string
}

export interface StagedLayer {
  layer: LayerRecord
  /** Put the layer record; empty when the layer was already recorded. */
  ops: BatchOp[]
  existed: boolean
}

export interface StageOptions {
  expectDiffId?: DiffId
  signal?: AbortSignal
}

export const DEFAULT_LIMITS: TarLimits = { maxBytes: 64 * 1024 ** 3, maxEntries: 2_000_000 }

export class LayerStore {
  constructor(
    private readonly root: string,
    private readonly db: Db,
    private readonly log: Logger,
    private readonly limits: TarLimits = DEFAULT_LIMITS,
  ) {
    mkdirSync(join(root, 'layers'), { recursive: true, mode: 0o700 })
  }

  async stat(id: ChainId): Promise<LayerRecord> {
    const r = await this.db.get<LayerRecord>(layerKey(id))
    if (!r) throw notFound(`no layer ${id}`)
    return r
  }

  async has(id: ChainId): Promise<boolean> {
    return (await this.db.get<LayerRecord>(layerKey(id))) !== undefined
  }

  /** The layer's directory in overlay format (a lowerdir). */
  diffDir(id: ChainId): string {
    return join(this.root, 'layers', hexOf(id), 'diff')
  }

  /** The chain from this layer down to the base, top first (the order of lowerdir=). */
  async chain(id: ChainId): Promise<LayerRecord[]> {
    const out: LayerRecord[] = []
    for (let cur: ChainId | null = id; cur !== null;) {
      const r: LayerRecord = await this.stat(cur)
      out.push(r)
      cur = r.parent
    }
    return out
  }

  async stage(
    parent: ChainId | null,
    source: AsyncIterable<Uint8Array>,
    opts: StageOptions = {},
  ): Promise<StagedLayer> {
    if (parent !== null) await this.stat(parent)
    const staging = mkdtempSync(join(this.root, 'tmp', 'layer-'))
    try {
      return await this.unpack(parent, staging, source, opts)
    } finally {
      rmSync(staging, { recursive: true, force: true })
    }
  }

  private async unpack(
    parent: ChainId | null,
    staging: string,
    source: AsyncIterable<Uint8Array>,
    opts: StageOptions,
  ): Promise<StagedLayer> {
    mkdirSync(join(staging, 'diff'), { mode: 0o755 })
    const split = new SplitRecorder()
    let summary
    try {
      summary = await applyTar(join(staging, 'diff'), decompress(source), this.limits, split)
    } catch (err) {
      if (err instanceof TarError) throw invalidArgument(`bad layer tar: ${err.message}`, { cause: err })
      throw err
    }
    opts.signal?.throwIfAborted()
    const diffId = parseDiffId(summary.diffId)
    if (opts.expectDiffId && opts.expectDiffId !== diffId)
      throw invalidArgument(`layer diffID mismatch: got ${diffId}, want ${opts.expectDiffId}`)
    const chainId = chainIdOf(parent, diffId)
    const known = await this.db.get<LayerRecord>(layerKey(chainId))
    if (known) return { layer: known, ops: [], existed: true }
    const layer: LayerRecord = {
      chainId,
      diffId,
      parent,
      size: summary.bytes,
      entries: summary.entries,
      createdAt: new Date().toISOString(),
    }
    writeFileSync(join(staging, 'tar-split.gz'), split.finish())
    const final = join(this.root, 'layers', hexOf(chainId))
    if (!existsSync(final)) renameSync(staging, final)
    // else: a concurrent stage of the same content won the rename; its content is the same.
    return { layer, ops: [{ type: 'put', key: layerKey(chainId), value: layer }], existed: false }
  }

  /** The exact tar the layer was imported from. */
  async *export(id: ChainId): AsyncGenerator<Buffer> {
    await this.stat(id)
    const dir = join(this.root, 'layers', hexOf(id))
    yield* exportTar(join(dir, 'diff'), readSplit(readFileSync(join(dir, 'tar-split.gz'))))
  }

  async *walk(): AsyncGenerator<LayerRecord> {
    for await (const [, r] of this.db.scan<LayerRecord>(PREFIX.layer)) yield r
  }

  /** At start: remove staging leftovers and layer directories no record names. */
  async reconcile(): Promise<void> {
    const known = new Set<string>()
    for await (const r of this.walk()) known.add(hexOf(r.chainId))
    for (const name of readdirSync(join(this.root, 'layers'))) {
      if (known.has(name)) continue
      this.log.warn('removing a layer directory without a record', { dir: name })
      rmSync(join(this.root, 'layers', name), { recursive: true, force: true })
    }
  }

  /** Deletes a layer's record op and, once the batch is written, its directory (see `removeDir`). */
  deleteOps(id: ChainId): BatchOp[] {
    return [{ type: 'del', key: layerKey(id) }]
  }

  removeDir(id: ChainId): void {
    rmSync(join(this.root, 'layers', hexOf(id)), { recursive: true, force: true })
  }
}
