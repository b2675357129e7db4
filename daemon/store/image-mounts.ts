/**
 * Read-only mounts of images (`image mount`): one per image, counted like a container's. An
 * image that is mounted cannot be deleted (store/images.ts asks `mountOf`).
 */
import type { Db } from './db.js'
import { imageMountKey } from './keys.js'

export interface CountedMount {
  /** The mount record's ID (mounts/supervisor.ts). */
  id: string
  target: string
  /** How many `mount` calls hold it; it is unmounted when this returns to 0. */
  count: number
}

export class ImageMounts {
  constructor(private readonly db: Db) {}

  get(imageId: string): Promise<CountedMount | undefined> {
    return this.db.get<CountedMount>(imageMountKey(imageId))
  }

  async set(imageId: string, m: CountedMount | null): Promise<void> {
    await this.db.batch([
      m ? { type: 'put', key: imageMountKey(imageId), value: m } : { type: 'del', key: imageMountKey(imageId) },
    ])
  }
}
