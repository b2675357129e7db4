/**
 * Containers in LevelDB: a writable layer (containers/<id>/{upper,work}) on an image, with a
 * unique name. A container references its image's top layer (refs.ts), so neither the image nor
 * its layers can go while it exists. Whether and where it is mounted is part of its record.
 * The layout inside containers/<id>/ is daemon/containers/paths.ts's: `create` has it made.
 * Concurrency: every change is one batch, and takes the metadata queue's lock (metadata-queue.ts),
 * as `lease` does (the records it reads must be sure); reads take none.
 * Errors: NOT_FOUND ("No such container"), CONFLICT (a name in use, an ambiguous prefix).
 * Tests: test/integration/containers.test.ts, test/unit/store/metadata-queue.test.ts,
 *   test/integration/mount-targets.test.ts
 */
import { randomBytes } from 'node:crypto'
import { mkdirSync, readdirSync, rmSync } from 'node:fs'
import { removeTree } from '../overlay/backing-fs.js'
import { join } from 'node:path'
import type { ContainerRunOptions } from '../../client/protocol.js'
import type { ChainId } from '../digests.js'
import { conflict, invalidArgument, notFound } from '../errors.js'
import { Leases, type Release } from '../leases.js'
import type { Logger } from '../log.js'
import type { BatchOp, Db } from './db.js'
import type { ImageRecord } from './images.js'
import { containerKey, containerNameKey, PREFIX } from './keys.js'
import { LayerRecords, type LayerDirs } from './layer-records.js'
import { refcountOps } from './refs.js'
import { generatedName } from './container-names.js'
import type { CountedMount } from './image-mounts.js'
import type { MetadataLock } from './metadata-queue.js'

export type ContainerMount = CountedMount

export interface ContainerRecord {
  /** 64 hex digits, as Docker's container IDs. */
  id: string
  name: string
  imageId: string
  topLayer: ChainId | null
  createdAt: string
  /** How the image was named at create, for `ps`. */
  imageName: string
  mount: ContainerMount | null
  /** Its process (`run`/`start`), absent for a container never run. */
  process?: ContainerProcess | null
  /** What `create` was asked for the process (`docker create`'s flags), used by its first `start`. */
  runOptions?: ContainerRunOptions
}

/**
 * What `run` asked for, kept so `start` runs the same again (containers/oci-spec.ts makes the
 * runtime's config.json from it), and what became of the last run.
 */
export interface ContainerProcess {
  args: string[]
  env: string[]
  cwd: string
  /** uid:gid and extra gids, resolved against the container's /etc/passwd and /etc/group. */
  user: { uid: number; gid: number; additionalGids: number[] }
  hostname: string
  network: 'none' | 'host'
  readOnly: boolean
  binds: Array<{ source: string; destination: string; readOnly: boolean }>
  autoRemove: boolean
  stopSignal: string
  /** A pseudo-terminal (-t); absent in records written before it existed: false. */
  tty?: boolean
  /** Stdin kept open (-i); absent: false. */
  openStdin?: boolean
  startedAt: string | null
  finishedAt: string | null
  exitCode: number | null
  /** Why the runtime could not start the process (its exit code is then 127 or 126). */
  error?: string
  /** The monitor (containers/monitor.ts) while the process runs, named by pid and start time. */
  monitor: { pid: number; pidStart: number } | null
}

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/

export class ContainerStore {
  /** Container directories read outside the metadata queue (export): their removal waits. */
  private readonly leases: Leases<string>
  private readonly layerRecords: LayerRecords

  constructor(
    private readonly db: Db,
    private readonly root: string,
    private readonly layers: LayerDirs,
    private readonly log: Logger,
  ) {
    mkdirSync(join(root, 'containers'), { recursive: true, mode: 0o700 })
    this.leases = new Leases(log)
    this.layerRecords = new LayerRecords(db)
  }

  /** Holds the container's directory and its layers'. */
  async lease(lock: MetadataLock, c: ContainerRecord): Promise<Release> {
    lock.check()
    const layers = this.layers.lease((await this.layerRecords.baseFirst(c.topLayer)).map((l) => l.chainId))
    const own = this.leases.hold([c.id])
    return () => {
      own()
      layers()
    }
  }

  /** Whether a removed container's directory waits for a lease (not a stray one). */
  isLeased(id: string): boolean {
    return this.leases.isHeld(id)
  }

  dirOf(id: string): string {
    return join(this.root, 'containers', id)
  }

  /** The IDs of the container directories present, recorded or not. */
  directories(): string[] {
    return readdirSync(join(this.root, 'containers'))
  }

  get(id: string): Promise<ContainerRecord | undefined> {
    return this.db.get<ContainerRecord>(containerKey(id))
  }

  list(): Promise<ContainerRecord[]> {
    return this.db.list<ContainerRecord>(PREFIX.container)
  }

  /** IDs of the containers created from an image. */
  async usersOf(imageId: string): Promise<string[]> {
    return (await this.list()).filter((c) => c.imageId === imageId).map((c) => c.id)
  }

  /** A container by name (a leading / allowed, as Docker prints them), full ID or unique ID prefix. */
  async resolve(input: string): Promise<ContainerRecord> {
    const byName = await this.db.get<string>(containerNameKey(input.replace(/^\//, '')))
    const named = byName && (await this.get(byName))
    if (named) return named
    if (/^[0-9a-f]{1,64}$/.test(input)) {
      const matches = (await this.list()).filter((c) => c.id.startsWith(input))
      if (matches.length > 1) throw conflict(`container ID prefix ${input} is ambiguous`)
      if (matches[0]) return matches[0]
    }
    throw notFound(`No such container: ${input}`)
  }

  /**
   * Records a container on `image`; the name is checked here. `makeDirs` lays out its directory
   * first (removed again when the record cannot be written).
   */
  async create(
    lock: MetadataLock,
    image: ImageRecord,
    imageName: string,
    name: string | undefined,
    makeDirs: (dir: string) => void,
    runOptions?: ContainerRunOptions,
  ): Promise<ContainerRecord> {
    lock.check()
    if (name !== undefined && !NAME.test(name.replace(/^\//, '')))
      throw invalidArgument(`Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`)
    const chosen = name?.replace(/^\//, '') ?? (await this.freeName())
    const holder = await this.db.get<string>(containerNameKey(chosen))
    if (holder)
      throw conflict(
        `Conflict. The container name "/${chosen}" is already in use by container "${holder}". ` +
          'You have to remove (or rename) that container to be able to reuse that name.',
      )
    const c: ContainerRecord = {
      id: randomBytes(32).toString('hex'),
      name: chosen,
      imageId: image.id,
      imageName,
      topLayer: image.topLayer,
      createdAt: new Date().toISOString(),
      mount: null,
      ...(runOptions ? { runOptions } : {}),
    }
    try {
      makeDirs(this.dirOf(c.id))
      const refs = await refcountOps(this.db, [{ kind: 'container', record: c }], [], () => [])
      await this.db.batch([
        { type: 'put', key: containerKey(c.id), value: c },
        { type: 'put', key: containerNameKey(c.name), value: c.id },
        ...refs.ops,
      ])
    } catch (err) {
      rmSync(this.dirOf(c.id), { recursive: true, force: true })
      throw err
    }
    return c
  }

  async setMount(lock: MetadataLock, c: ContainerRecord, mount: ContainerMount | null): Promise<ContainerRecord> {
    lock.check()
    const next = { ...c, mount }
    await this.db.batch([{ type: 'put', key: containerKey(c.id), value: next }])
    return next
  }

  async setProcess(lock: MetadataLock, c: ContainerRecord, p: ContainerProcess | null): Promise<ContainerRecord> {
    lock.check()
    const next = { ...c, process: p }
    await this.db.batch([{ type: 'put', key: containerKey(c.id), value: next }])
    return next
  }

  /** Deletes the record (releasing its layers as refs.ts says), then its directories. */
  async remove(lock: MetadataLock, c: ContainerRecord): Promise<void> {
    lock.check()
    const refs = await refcountOps(this.db, [], [{ kind: 'container', record: c }], (l) =>
      this.layerRecords.deleteOps(l.chainId),
    )
    const ops: BatchOp[] = [
      { type: 'del', key: containerKey(c.id) },
      { type: 'del', key: containerNameKey(c.name) },
      ...refs.ops,
    ]
    await this.db.batch(ops)
    for (const l of refs.released) this.layers.removeDir(l.chainId)
    this.leases.removeWhenFree(c.id, () => this.removeDir(c.id))
  }

  /**
   * After the batch: a directory that cannot go (a mount left inside it, say) does not undo the
   * removal; it is logged, and `strata fsck --repair` removes it later.
   */
  private removeDir(id: string): void {
    const dir = this.dirOf(id)
    try {
      removeTree(dir) // upper/ may hold paths past PATH_MAX
    } catch (err) {
      this.log.error('cannot remove the directory of a removed container', { dir, err })
    }
  }

  private async freeName(): Promise<string> {
    for (;;) {
      const name = generatedName()
      if (!(await this.db.get<string>(containerNameKey(name)))) return name
    }
  }
}
