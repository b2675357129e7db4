/**
 * Mount records, keyed by mount id. The store keeps them and knows nothing of their fields: the
 * mount supervisor (mounts/supervisor.ts) owns the record's shape.
 */
import type { Db } from './db.js'
import { mountKey, PREFIX } from './keys.js'

export class MountRecords<R extends { id: string }> {
  constructor(private readonly db: Db) {}

  get(id: string): Promise<R | undefined> {
    return this.db.get<R>(mountKey(id))
  }

  put(r: R): Promise<void> {
    return this.db.put(mountKey(r.id), r)
  }

  delete(id: string): Promise<void> {
    return this.db.batch([{ type: 'del', key: mountKey(id) }])
  }

  list(): Promise<R[]> {
    return this.db.list<R>(PREFIX.mount)
  }
}
