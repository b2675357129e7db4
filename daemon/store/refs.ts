/**
 * Who references which layer: the single definition, used by every batch that adds or removes a
 * record and by fsck to recount from scratch. A layer is referenced by its child layers, by the
 * images whose top it is, and by containers created on it (their image's top layer).
 */
import type { ChainId } from '../digests.js'
import type { BatchOp, Db } from './db.js'
import type { ContainerRecord } from './containers.js'
import type { ImageRecord } from './images.js'
import type { LayerRecord } from './layer-records.js'
import { layerKey, refcountKey } from './keys.js'

export type Referrer =
  | { kind: 'layer'; record: LayerRecord }
  | { kind: 'image'; record: ImageRecord }
  | { kind: 'container'; record: ContainerRecord }

export function referencesOf(r: Referrer): ChainId[] {
  if (r.kind === 'layer') return r.record.parent ? [r.record.parent] : []
  return r.record.topLayer ? [r.record.topLayer] : [] // an image's top, or a container's image's top
}

/**
 * Refcount changes for records added and removed in one batch. Layers whose count reaches zero
 * are released too (their record deleted, their parent's count lowered, and so on down), and
 * listed so the caller can remove their directories after the batch.
 */
export async function refcountOps(
  db: Db,
  added: Referrer[],
  removed: Referrer[],
  deleteLayer: (l: LayerRecord) => BatchOp[],
): Promise<{ ops: BatchOp[]; released: LayerRecord[] }> {
  const counts = new Map<ChainId, number>()
  const count = async (id: ChainId) => counts.get(id) ?? (await db.get<number>(refcountKey(id))) ?? 0
  for (const r of added) for (const id of referencesOf(r)) counts.set(id, (await count(id)) + 1)
  const queue = [...removed]
  const released: LayerRecord[] = []
  const ops: BatchOp[] = []
  while (queue.length) {
    const r = queue.shift() as Referrer
    for (const id of referencesOf(r)) {
      const n = (await count(id)) - 1
      if (n < 0) throw new Error(`refcount of layer ${id} would go below zero`)
      counts.set(id, n)
      if (n > 0) continue
      const layer = await db.get<LayerRecord>(layerKey(id))
      if (!layer) throw new Error(`layer ${id} is referenced but has no record`)
      released.push(layer)
      ops.push(...deleteLayer(layer))
      queue.push({ kind: 'layer', record: layer })
    }
  }
  for (const [id, n] of counts)
    ops.push(n > 0 ? { type: 'put', key: refcountKey(id), value: n } : { type: 'del', key: refcountKey(id) })
  return { ops, released }
}
