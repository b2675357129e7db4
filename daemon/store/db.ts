/**
 * The metadata database: LevelDB (package `level`) in <root>/db, string keys, msgpack values.
 * LevelDB's own lock file makes a second daemon on the same root fail at open; that failure
 * becomes a DataRootInUseError naming the root and, when known, the other daemon's pid.
 * Every multi-key change goes through `batch`, which LevelDB applies atomically.
 * db/ holds every image config (people commit secrets in ENV) and all tags, so it is root's
 * alone: the directory 0700, its files 0600 as LevelDB makes them (private-files.ts).
 * Tests: test/unit/store/db.test.ts, test/integration/data-root-modes.test.ts
 */
import { chmodSync, mkdirSync, readFileSync, type FSWatcher } from 'node:fs'
import { join } from 'node:path'
import { Level } from 'level'
import { Packr } from 'msgpackr'
import { keepFilesPrivate, makeFilesPrivate } from './private-files.js'

const packr = new Packr({ useRecords: false, moreTypes: false, mapsAsObjects: true })

export type BatchOp = { type: 'put'; key: string; value: unknown } | { type: 'del'; key: string }

export class DataRootInUseError extends Error {
  override name = 'DataRootInUseError'
}

export class Db {
  private constructor(
    private readonly level: Level<string, Buffer>,
    private readonly watcher: FSWatcher,
  ) {}

  /** `onError`: a file of db/ that could not be made private (the database works on). */
  static async open(root: string, onError: (err: Error) => void = (err) => process.emitWarning(err)): Promise<Db> {
    const dir = join(root, 'db')
    mkdirSync(dir, { recursive: true, mode: 0o700 })
    chmodSync(dir, 0o700) // also a db/ an older stratad made 0755
    const watcher = keepFilesPrivate(dir, onError)
    const level = new Level<string, Buffer>(dir, { keyEncoding: 'utf8', valueEncoding: 'buffer' })
    try {
      await level.open()
      makeFilesPrivate(dir, onError) // what open made, without waiting for the watch's events
    } catch (err) {
      watcher.close()
      const cause = (err as { cause?: { code?: string } }).cause
      if (cause?.code !== 'LEVEL_LOCKED') throw err
      const pid = otherPid(root)
      throw new DataRootInUseError(`data root ${root} is in use by another stratad${pid ? ` (pid ${pid})` : ''}`, {
        cause: err,
      })
    }
    return new Db(level, watcher)
  }

  async get<T>(key: string): Promise<T | undefined> {
    const raw = await this.level.get(key)
    return raw === undefined ? undefined : (packr.unpack(raw) as T)
  }

  put(key: string, value: unknown): Promise<void> {
    return this.level.put(key, packr.pack(value))
  }

  batch(ops: BatchOp[]): Promise<void> {
    return this.level.batch(
      ops.map((op) => (op.type === 'put' ? { type: 'put', key: op.key, value: packr.pack(op.value) } : op)),
    )
  }

  /** Every [key, value] whose key starts with `prefix`, in key order. */
  async *scan<T>(prefix: string): AsyncGenerator<[string, T]> {
    for await (const [key, raw] of this.level.iterator({ gte: prefix, lt: `${prefix}\xff` })) {
      yield [key, packr.unpack(raw) as T]
    }
  }

  /** Every value whose key starts with `prefix`, in key order. */
  async list<T>(prefix: string): Promise<T[]> {
    const out: T[] = []
    for await (const [, v] of this.scan<T>(prefix)) out.push(v)
    return out
  }

  close(): Promise<void> {
    this.watcher.close()
    return this.level.close()
  }
}

/** The pid stratad wrote next to the database, for the message only. */
function otherPid(root: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(root, 'stratad.pid'), 'utf8').trim())
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
}
