/**
 * `image prune`: removes the images `select` picks, leaves first, until none is left to pick;
 * images in use (containers, mounts) are never picked;
 * each removal is an rmi (store/images.ts), so untagged parents go with their last child and
 * layers go when nothing references them. Runs under the metadata queue: an ingest in flight
 * records its layers after (layer-store.ts `record`), so prune never deletes what it is adding.
 */
import type { ImageRecord, ImageStore, RemoveResult } from './images.js'
import type { MetadataLock } from './metadata-queue.js'

export type PruneSelect = (image: ImageRecord, tagged: boolean) => boolean

export async function pruneImages(lock: MetadataLock, images: ImageStore, select: PruneSelect): Promise<RemoveResult> {
  const out: RemoveResult = { events: [], reclaimed: 0 }
  for (;;) {
    const list = await images.list()
    const tagged = new Set((await images.tags()).map((t) => t.imageId))
    const parents = new Set(list.map((i) => i.parent))
    const used = new Set<string>()
    for (const i of list) if ((await images.usersOf(i.id)).length) used.add(i.id)
    const victims = list.filter((i) => !parents.has(i.id) && !used.has(i.id) && select(i, tagged.has(i.id)))
    if (!victims.length) return out
    for (const v of victims) {
      if (!(await images.get(v.id))) continue // went with a child removed just before
      const r = await images.remove(lock, v.id, true, false)
      out.events.push(...r.events)
      out.reclaimed += r.reclaimed
    }
  }
}
