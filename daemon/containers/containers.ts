/**
 * Containers: a writable layer on an image, and what is done with it. This is their home, as
 * layers/layer-store.ts is the layers': the records live in store/containers.ts, the directory
 * layout in paths.ts, and each operation in its own file here; the API handlers check params,
 * take the metadata queue and call one method.
 *
 * Lifecycle, as `docker create / mount / diff / commit / rm`:
 *
 *   const c = await metadata.add((lock) => containers.create(lock, 'busybox', 'web'))
 *   await metadata.add(async (lock) => containers.mount(lock, await containers.resolve('web')))
 *   // … the container's root filesystem changes through the mount …
 *   const leased = await metadata.add((lock) => containers.lease(lock, c))
 *   await whileLeased(leased, async (l) => containers.changes(l))       // outside the queue
 *   const staged = await containers.stageCommit(c, { changes: [], pause: true }, signal)
 *   try { await metadata.add((lock) => containers.recordCommit(lock, staged, tags)) }
 *   finally { containers.discardCommit(staged) }
 *   await metadata.add(async (lock) => containers.remove(lock, await containers.resolve('web'), true))
 *
 * Concurrency: every change takes a MetadataLock (store/metadata-queue.ts), so it cannot be
 * called outside the metadata queue, and neither can `lease`; reads (resolve, list, changes and
 * export of a leased container) take none. Commit stages outside the queue, as layers do.
 * Never: imports api/ or rpc/; knows nothing of params.
 * Tests: test/integration/containers.test.ts, test/integration/container-commit.test.ts,
 *   test/integration/leases.test.ts
 */
import type { ContainerChange, ContainerRunOptions } from '../../client/protocol.js'
import { inUse } from '../errors.js'
import { diskUsage } from '../disk-usage.js'
import type { LayerStore } from '../layers/layer-store.js'
import type { ContainerRecord, ContainerStore } from '../store/containers.js'
import type { ImageMounts } from '../store/image-mounts.js'
import type { ImageRecord, ImageStore } from '../store/images.js'
import type { MetadataLock } from '../store/metadata-queue.js'
import {
  discardCommit,
  recordCommit,
  stageCommit,
  type CommitOptions,
  type CommitTags,
  type StagedCommit,
} from './commit.js'
import { release } from './counted-mount.js'
import { containerChanges } from './diff.js'
import { ensureInitLayer } from './etc-files.js'
import { containerTar } from './export.js'
import { mountView, unmountView } from './image-view.js'
import { leaseContainer, type LeasedContainer } from './lease.js'
import type { MountControl } from './mount-control.js'
import { layerDirs } from './mount-spec.js'
import { mountContainer, unmountContainer } from './mount.js'
import { settleUpper } from './settle-upper.js'
import { containerPaths, makeLayout, type ContainerPaths } from './paths.js'

export interface ContainerParts {
  /** The data root (image views are mounted under it). */
  root: string
  records: ContainerStore
  images: ImageStore
  imageMounts: ImageMounts
  layers: LayerStore
  mounts: MountControl
}

export class Containers {
  readonly records: ContainerStore

  constructor(private readonly parts: ContainerParts) {
    this.records = parts.records
  }

  /** By name (a leading / allowed), full ID or unique ID prefix; NOT_FOUND, CONFLICT. */
  resolve(name: string): Promise<ContainerRecord> {
    return this.records.resolve(name)
  }

  list(): Promise<ContainerRecord[]> {
    return this.records.list()
  }

  pathsOf(c: ContainerRecord): ContainerPaths {
    return containerPaths(this.records.dirOf(c.id))
  }

  /** Bytes its writable layer takes on disk. */
  upperSize(c: ContainerRecord): number {
    return diskUsage(this.pathsOf(c).upper)
  }

  /** A new container on the image `image` names, with upper/ and work/ made; `runOptions` for its first start. */
  async create(
    lock: MetadataLock,
    image: string,
    name?: string,
    runOptions?: ContainerRunOptions,
  ): Promise<ContainerRecord> {
    const { image: record } = await this.parts.images.resolve(image)
    return this.records.create(lock, record, image, name, makeLayout, runOptions)
  }

  /** Mounts it (or counts one more mount); the path. */
  mount(lock: MetadataLock, c: ContainerRecord, target?: string): Promise<string> {
    return mountContainer(lock, this.parts, c, target)
  }

  /**
   * Gives the container its init layer (etc-files.ts) unless it has one, before a process first
   * runs in it; its directories look as the image's. A container mounted already keeps the mount
   * it has (without the layer until it is mounted again).
   */
  async prepareInit(c: ContainerRecord): Promise<void> {
    ensureInitLayer(this.pathsOf(c), await layerDirs(this.parts.layers, c.topLayer))
  }

  /**
   * One unmount (all when forced); whether it is still mounted. IN_USE when it would take the count
   * a running process holds.
   */
  async unmount(lock: MetadataLock, c: ContainerRecord, force: boolean): Promise<boolean> {
    return (await unmountContainer(lock, this.parts, c, force)).mount !== null
  }

  /**
   * `docker rm`: IN_USE while mounted, unless forced (then unmounted first); IN_USE while its
   * process runs, forced or not (api/container-remove.ts kills it first, outside the queue).
   */
  async remove(lock: MetadataLock, c: ContainerRecord, force: boolean): Promise<void> {
    if (c.process?.monitor)
      throw inUse(
        `You cannot remove a running container ${c.id.slice(0, 12)}. Stop the container before attempting removal or force remove`,
      )
    if (c.mount) {
      // Docker 25's words, with mounted for running (what running is to Docker).
      if (!force)
        throw inUse(
          `cannot remove container "/${c.name}": container is mounted: unmount the container before removing or force remove`,
        )
      c = await this.records.setMount(lock, c, await release(this.parts.mounts, c.mount, true))
    }
    await this.records.remove(lock, c)
  }

  /** For reading outside the queue (lease.ts); release it when done (`whileLeased`). */
  lease(lock: MetadataLock, c: ContainerRecord): Promise<LeasedContainer> {
    return leaseContainer(lock, this.records, this.parts.layers, c)
  }

  /** A mounted container's copies handed out early are in upper/ first (settle-upper.ts). */
  async changes(c: LeasedContainer): Promise<ContainerChange[]> {
    await settleUpper(this.parts.mounts, c.record)
    return containerChanges(c)
  }

  async *tar(c: LeasedContainer): AsyncGenerator<Buffer> {
    await settleUpper(this.parts.mounts, c.record)
    yield* containerTar(c)
  }

  stageCommit(c: ContainerRecord, opts: CommitOptions, signal: AbortSignal): Promise<StagedCommit> {
    return stageCommit(this.parts, c, this.pathsOf(c), opts, signal)
  }

  recordCommit(lock: MetadataLock, staged: StagedCommit, tags: CommitTags): Promise<void> {
    return recordCommit(lock, this.parts, staged, tags)
  }

  discardCommit(staged: StagedCommit): void {
    discardCommit(this.parts, staged)
  }

  /** An image's read-only view, counted; the path. */
  mountView(lock: MetadataLock, image: ImageRecord, target?: string): Promise<string> {
    return mountView(lock, this.parts, image, target)
  }

  /** One unmount of the view (all when forced); whether it is still mounted. */
  unmountView(lock: MetadataLock, image: ImageRecord, force: boolean): Promise<boolean> {
    return unmountView(lock, this.parts, image, force)
  }
}
