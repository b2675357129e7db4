/**
 * Which local image each row of an image's history ends at, for `history`'s IMAGE column. Rows
 * are the config's history entries, oldest first; an image "ends at" row n-1 when its own history
 * is the first n entries and its diffIDs the first layers (the layer chain): its rows came from
 * it. The image itself ends at the last row. Where two local images would end at one row, one of
 * the image's parent chain (`commit` records it) wins, then the lower ID. Rows no local image
 * ends at are `<missing>`, as Docker shows them; Docker walks the parent chain only, so a base
 * pulled or loaded on its own (no recorded parent) shows here where Docker shows `<missing>`.
 * Pure: configs in, IDs out.
 * Tests: test/unit/store/image-ancestors.test.ts, test/integration/image-history.test.ts
 */
import type { HistoryEntry, ImageConfig } from './image-config.js'

export interface HistoryImage {
  id: string
  /** The image it was committed from, when known. */
  parent: string | null
  config: Pick<ImageConfig, 'history' | 'rootfs'>
}

/** For each history row, oldest first, the ID of the local image that ends there. */
export function historyOwners(image: HistoryImage, local: HistoryImage[]): Array<string | undefined> {
  const rows: Array<string | undefined> = image.config.history.map(() => undefined)
  if (!rows.length) return rows
  rows[rows.length - 1] = image.id
  const byId = new Map(local.map((i) => [i.id, i]))
  const chain = new Set<string>()
  for (let p = image.parent; p && !chain.has(p); p = byId.get(p)?.parent ?? null) chain.add(p)
  const ranked = local
    .filter((i) => i.id !== image.id)
    .sort((a, b) => Number(!chain.has(a.id)) - Number(!chain.has(b.id)) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  for (const i of ranked) {
    const n = i.config.history.length
    if (n === 0 || n >= rows.length || rows[n - 1] !== undefined) continue
    if (isPrefix(i.config, image.config)) rows[n - 1] = i.id
  }
  return rows
}

function isPrefix(a: HistoryImage['config'], b: HistoryImage['config']): boolean {
  const da = a.rootfs.diff_ids
  const db = b.rootfs.diff_ids
  return (
    da.length <= db.length &&
    da.every((d, k) => d === db[k]) &&
    a.history.every((h, k) => sameEntry(h, b.history[k] as HistoryEntry))
  )
}

const sameEntry = (a: HistoryEntry, b: HistoryEntry): boolean =>
  (a.created ?? '') === (b.created ?? '') &&
  (a.created_by ?? '') === (b.created_by ?? '') &&
  (a.author ?? '') === (b.author ?? '') &&
  (a.comment ?? '') === (b.comment ?? '') &&
  Boolean(a.empty_layer) === Boolean(b.empty_layer)
