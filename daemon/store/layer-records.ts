/**
 * Layer records in LevelDB, one per chainID: what a stored layer is (its ids, parent, sizes, the
 * blob it arrived as). The layer store (layers/layer-store.ts) owns the directories and puts
 * these records in the batches of its callers; images, containers, refs and fsck read them here.
 * What the store needs of the directories themselves is `LayerDirs`, which the layer store
 * provides, so store/ never imports layers/.
 * Errors: NOT_FOUND for an unknown layer.
 * Tests: test/unit/store/layer-records.test.ts
 */
import type { ChainId, DiffId } from '../digests.js'
import { notFound } from '../errors.js'
import type { Release } from '../leases.js'
import type { BatchOp, Db } from './db.js'
import { layerKey, PREFIX } from './keys.js'

export interface LayerRecord {
  chainId: ChainId
  diffId: DiffId
  parent: ChainId | null
  /** Bytes of the uncompressed tar. */
  size: number
  /**
   * Its content as Docker's DiffSize counts it (content-size.ts): what `images` and `history` show.
   * Absent in records made before it was kept; LayerStore.reconcile fills it in at start.
   */
  contentBytes?: number
  /** Bytes its directory takes on disk (disk-usage.ts), tar-split included. */
  diskBytes: number
  entries: number
  createdAt: string
  blob?: KeptBlob
  /** What the exact tar gzip'd to when it was last pushed (zlib gives the same bytes again). */
  gzip?: { digest: string; size: number }
}

/** A compressed blob kept as it came (a pulled layer), so a push can send it back unchanged. */
export interface KeptBlob {
  digest: string
  mediaType: string
  size: number
}

/** The layer directories, as images, containers and fsck use them (layers/layer-store.ts). */
export interface LayerDirs {
  /** layers/<hex>: the layer's diff/ and tar-split.gz. */
  dirOf(id: ChainId): string
  /** The chainIDs of the layer directories present, recorded or not. */
  directories(): ChainId[]
  /** Holds the layers' directories (call under the metadata queue, where records are sure). */
  lease(ids: Iterable<ChainId>): Release
  /** Whether a deleted layer's directory waits for a lease (not a stray one). */
  isLeased(id: ChainId): boolean
  /** Removes the layer's directory now, or when the last lease on it ends. */
  removeDir(id: ChainId): void
}

/** The layer's content size; a record not yet filled in (content-size.ts) falls back to its tar bytes. */
export const contentBytesOf = (l: LayerRecord): number => l.contentBytes ?? l.size

export class LayerRecords {
  constructor(private readonly db: Db) {}

  get(id: ChainId): Promise<LayerRecord | undefined> {
    return this.db.get<LayerRecord>(layerKey(id))
  }

  async stat(id: ChainId): Promise<LayerRecord> {
    const r = await this.get(id)
    if (!r) throw notFound(`no layer ${id}`)
    return r
  }

  async has(id: ChainId): Promise<boolean> {
    return (await this.get(id)) !== undefined
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

  /** The layers of an image or container whose top is `top`, base first (the order of a manifest). */
  async baseFirst(top: ChainId | null): Promise<LayerRecord[]> {
    return top ? (await this.chain(top)).reverse() : []
  }

  async *walk(): AsyncGenerator<LayerRecord> {
    for await (const [, r] of this.db.scan<LayerRecord>(PREFIX.layer)) yield r
  }

  /** Under the metadata queue: notes a layer's gzip'd digest after a push (a deleted one is left). */
  async rememberGzip(id: ChainId, gzip: { digest: string; size: number }): Promise<void> {
    const r = await this.get(id)
    if (r) await this.db.batch([this.putOp({ ...r, gzip })])
  }

  putOp(r: LayerRecord): BatchOp {
    return { type: 'put', key: layerKey(r.chainId), value: r }
  }

  /** Deletes a layer's record; its directory goes once the batch is written (LayerDirs.removeDir). */
  deleteOps(id: ChainId): BatchOp[] {
    return [{ type: 'del', key: layerKey(id) }]
  }
}
