/**
 * Images and tags in LevelDB. An image is its config (kept byte for byte: its ID is their
 * digest), its top layer and the digests it was pulled or pushed as (`repo@sha256:…`); a tag maps
 * a canonical reference to an image ID. Tags and digests are its names (image-names.ts). Every
 * change is one batch that also carries the refcount changes (refs.ts).
 * Errors: NOT_FOUND ("No such image"), CONFLICT for deletions Docker refuses, INVALID_ARGUMENT.
 * Concurrency: callers hold the metadata queue (store/metadata-queue.ts): reads of counts and records and
 * the batch that changes them must not interleave with another change.
 * Tests: test/integration/images.test.ts, test/integration/image-random.test.ts,
 *   test/integration/image-digests.test.ts, test/integration/image-history.test.ts
 */
import type { ChainId } from '../digests.js'
import { conflict, notFound } from '../errors.js'
import { canonical, familiar, parseReference, withDefaultTag, type Reference } from '../reference.js'
import {
  digestOnly,
  dropsWith,
  isDigestOf,
  isSingleReference,
  namesOf,
  printed,
  type ImageName,
} from './image-names.js'
import type { BatchOp, Db } from './db.js'
import { imageKey, PREFIX, tagKey } from './keys.js'
import { LayerRecords, type LayerDirs, type LayerRecord } from './layer-records.js'
import { refcountOps } from './refs.js'
import type { MetadataLock } from './metadata-queue.js'

export interface ImageRecord {
  id: string
  config: Buffer
  topLayer: ChainId | null
  /** Sum of the uncompressed sizes of its layers. */
  size: number
  created: string
  parent: string | null
  /** repo@sha256:… digests it was pulled or pushed as. */
  digests: string[]
  addedAt: string
  /** The manifest it was pulled with (for its platform), so pushing it unchanged gives the same digest. */
  manifest?: { mediaType: string; bytes: Buffer }
}

export interface TagRecord {
  ref: string
  imageId: string
}

export type RemoveEvent = { Untagged: string } | { Deleted: string }

export interface RemoveResult {
  events: RemoveEvent[]
  /** Bytes on disk of the layers deleted. */
  reclaimed: number
}

export class ImageStore {
  private readonly layerRecords: LayerRecords

  constructor(
    private readonly db: Db,
    private readonly layers: LayerDirs,
    /** What uses an image and keeps it from deletion: "container 3f2a…", "a mount at /x". */
    readonly usersOf: (imageId: string) => Promise<string[]> = async () => [],
  ) {
    this.layerRecords = new LayerRecords(db)
  }

  get(id: string): Promise<ImageRecord | undefined> {
    return this.db.get<ImageRecord>(imageKey(id))
  }

  list(): Promise<ImageRecord[]> {
    return this.db.list<ImageRecord>(PREFIX.image)
  }

  tags(): Promise<TagRecord[]> {
    return this.db.list<TagRecord>(PREFIX.tag)
  }

  /** Familiar names of an image's tags (busybox:latest). */
  async tagsOf(id: string): Promise<string[]> {
    return (await this.namesById()).get(id) ?? []
  }

  /** Every image's tags in familiar form, by image ID, from one scan. */
  async namesById(): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>()
    for (const t of await this.tags())
      out.set(t.imageId, [...(out.get(t.imageId) ?? []), familiar(parseReference(t.ref))])
    return out
  }

  /**
   * An image by full ID, `sha256:` ID, unique ID prefix, tag (default latest), or digest
   * reference (`repo@sha256:…`, and `repo:tag@sha256:…` by its digest, as Docker looks it up).
   * `ref` is the name it was found by.
   */
  async resolve(input: string): Promise<{ image: ImageRecord; ref?: Reference }> {
    const hex = input.replace(/^sha256:/, '')
    if (/^[0-9a-f]{64}$/.test(hex)) {
      const image = await this.get(`sha256:${hex}`)
      if (image) return { image }
    }
    let ref: Reference | undefined
    try {
      ref = withDefaultTag(parseReference(input))
    } catch (err) {
      if (!/^[0-9a-f]{1,64}$/.test(hex)) throw err
    }
    if (ref?.digest) {
      const named = ref
      const image = (await this.list()).find((i) => i.digests.some((d) => isDigestOf(d, named)))
      if (image) return { image, ref: digestOnly(ref) }
    } else if (ref) {
      const tag = await this.db.get<TagRecord>(tagKey(canonical(ref)))
      const image = tag && (await this.get(tag.imageId))
      if (image) return { image, ref }
    }
    if (/^[0-9a-f]{1,63}$/.test(hex)) {
      const matches = (await this.list()).filter((i) => i.id.startsWith(`sha256:${hex}`))
      if (matches.length === 1) return { image: matches[0] as ImageRecord }
      if (matches.length > 1) throw conflict(`image ID prefix ${input} is ambiguous`)
    }
    // Docker's daemon names a name without tag or digest with its default tag: No such image: x:latest
    throw notFound(`No such image: ${ref && !ref.digest ? familiar(ref) : input}`)
  }

  /** Its tags and digests, in Docker's order (image-names.ts). */
  async namesOf(image: ImageRecord): Promise<ImageName[]> {
    const tags = (await this.tags()).filter((t) => t.imageId === image.id).map((t) => t.ref)
    return namesOf(tags, image.digests)
  }

  async children(id: string): Promise<ImageRecord[]> {
    return (await this.list()).filter((i) => i.parent === id)
  }

  /** Records a new image (with the ops that recorded its layers) and tags it, in one batch. */
  async add(lock: MetadataLock, image: ImageRecord, layerOps: BatchOp[], refs: Reference[] = []): Promise<void> {
    lock.check()
    const exists = await this.get(image.id)
    const ops: BatchOp[] = [...layerOps]
    if (!exists) {
      ops.push({ type: 'put', key: imageKey(image.id), value: image })
      const layerRecords = layerOps
        .filter((o) => o.type === 'put')
        .map((o) => ({ kind: 'layer' as const, record: (o as { value: LayerRecord }).value }))
      ops.push(...(await refcountOps(this.db, [...layerRecords, { kind: 'image', record: image }], [], () => [])).ops)
    } else {
      // Pulled again (by another tag, digest or repository): it is known by that digest too.
      const digests = [...exists.digests, ...image.digests.filter((d) => !exists.digests.includes(d))]
      if (digests.length > exists.digests.length)
        ops.push({ type: 'put', key: imageKey(image.id), value: { ...exists, digests } })
    }
    for (const ref of refs) ops.push(...(await this.tagOps(image.id, ref)))
    await this.db.batch(ops)
  }

  /** Records a repo@digest the image is known by in a registry (after a push). */
  async addDigest(lock: MetadataLock, id: string, repoDigest: string): Promise<void> {
    lock.check()
    const image = await this.get(id)
    if (!image || image.digests.includes(repoDigest)) return
    await this.db.batch([
      { type: 'put', key: imageKey(id), value: { ...image, digests: [...image.digests, repoDigest] } },
    ])
  }

  /** Points `ref` at the image; the image it named before keeps its other tags. */
  async tag(lock: MetadataLock, imageId: string, ref: Reference): Promise<void> {
    lock.check()
    await this.db.batch(await this.tagOps(imageId, ref))
  }

  private async tagOps(imageId: string, ref: Reference): Promise<BatchOp[]> {
    const r = withDefaultTag(ref)
    if (r.digest) throw conflict(`refusing to create a tag with a digest reference: ${familiar(r)}`)
    return [{ type: 'put', key: tagKey(canonical(r)), value: { ref: canonical(r), imageId } satisfies TagRecord }]
  }

  /**
   * `rmi`, as Docker's: a name (tag or digest) is dropped, with its repository's digests when it
   * was that repository's last tag; the image goes when no name is left, or when named by ID and
   * its names are a single reference (one repository, one tag at most; more need -f). Never while
   * it has child images or users (containers, mounts): then a name is only dropped (a user needs
   * -f for that). Parents left without names, children or users go too, unless `noPrune`. Events
   * in Docker's order: the names dropped, then each image deleted followed by its layers.
   */
  async remove(lock: MetadataLock, input: string, force: boolean, noPrune: boolean): Promise<RemoveResult> {
    lock.check()
    const { image, ref } = await this.resolve(input)
    const names = await this.namesOf(image)
    const dropped = ref ? dropsWith(ref, names) : names
    if (ref && dropped.length < names.length) return this.untag(image, dropped)
    if (!ref && names.length > 1 && !isSingleReference(names) && !force)
      throw conflict(
        `conflict: unable to delete ${image.id.slice(7, 19)} (must be forced) - image is referenced in multiple repositories`,
      )
    if ((await this.children(image.id)).length) {
      // As Docker: its last name goes, and it stays as an intermediate image of its children.
      if (ref) return this.untag(image, dropped)
      throw conflict(
        `conflict: unable to delete ${image.id.slice(7, 19)} (cannot be forced) - image has dependent child images`,
      )
    }
    const users = await this.usersOf(image.id)
    if (users.length) {
      // As Docker: -f on a name untags it, but an image in use is never deleted.
      if (ref && force) return this.untag(image, dropped)
      // Docker's words; its user is "running container 3f2a…" (mounted) or "stopped container 3f2a…".
      const user = users[0] as string
      throw conflict(
        ref
          ? `conflict: unable to remove repository reference "${familiar(ref)}" (must force) - ` +
              `${user.replace(/^(running|stopped) /, '')} is using its referenced image ${image.id.slice(7, 19)}`
          : `conflict: unable to delete ${image.id.slice(7, 19)} (cannot be forced) - image is being used by ${user}`,
      )
    }
    const events: RemoveEvent[] = dropped.map((n) => ({ Untagged: printed(n) }))
    const ops: BatchOp[] = dropped.filter((n) => n.kind === 'tag').map((n) => ({ type: 'del', key: tagKey(n.stored) }))
    const removed = [image]
    if (!noPrune) removed.push(...(await this.prunableParents(image)))
    ops.push(...removed.map((i): BatchOp => ({ type: 'del', key: imageKey(i.id) })))
    const deleteLayer = (l: LayerRecord) => this.layerRecords.deleteOps(l.chainId)
    const asReferrers = (images: ImageRecord[]) => images.map((record) => ({ kind: 'image' as const, record }))
    const refs = await refcountOps(this.db, [], asReferrers(removed), deleteLayer)
    ops.push(...refs.ops)
    // Docker's order: each image, then the layers it released (top first), then its parent.
    const told = new Set<ChainId>()
    for (const [k, i] of removed.entries()) {
      const upTo =
        k === removed.length - 1 ? refs : await refcountOps(this.db, [], asReferrers(removed.slice(0, k + 1)), () => [])
      events.push({ Deleted: i.id })
      for (const l of upTo.released.filter((l) => !told.has(l.chainId))) {
        told.add(l.chainId)
        events.push({ Deleted: l.chainId })
      }
    }
    await this.db.batch(ops)
    for (const l of refs.released) this.layers.removeDir(l.chainId)
    return { events, reclaimed: refs.released.reduce((n, l) => n + l.diskBytes, 0) }
  }

  /** Drops names of an image that stays: tag records, and digests from its record. */
  private async untag(image: ImageRecord, dropped: ImageName[]): Promise<RemoveResult> {
    const ops: BatchOp[] = dropped.filter((n) => n.kind === 'tag').map((n) => ({ type: 'del', key: tagKey(n.stored) }))
    const gone = new Set(dropped.filter((n) => n.kind === 'digest').map((n) => n.stored))
    if (gone.size)
      ops.push({
        type: 'put',
        key: imageKey(image.id),
        value: { ...image, digests: image.digests.filter((d) => !gone.has(d)) },
      })
    await this.db.batch(ops)
    return { events: dropped.map((n) => ({ Untagged: printed(n) })), reclaimed: 0 }
  }

  /** Parents without names (tags or digests), other children or users, walking up. */
  private async prunableParents(image: ImageRecord): Promise<ImageRecord[]> {
    const out: ImageRecord[] = []
    const tags = await this.tags()
    for (let cur = image; cur.parent;) {
      const parent = await this.get(cur.parent)
      if (!parent || parent.digests.length || tags.some((t) => t.imageId === parent.id)) break
      if ((await this.children(parent.id)).some((c) => c.id !== cur.id)) break
      if ((await this.usersOf(parent.id)).length) break
      out.push(parent)
      cur = parent
    }
    return out
  }
}
