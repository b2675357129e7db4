/**
 * The JSON-looking members of a `load` archive (manifests, index, configs, and anything else that
 * starts like JSON), held with a bound on memory. A member a manifest or index can name
 * (manifest.json, index.json, blobs/<alg>/<hex>, a top-level <hex>.json config) stays in memory
 * while the members held add up to at most MEMORY_CAP; one past the cap, or of a name no format
 * gives a config or manifest, is spooled to a file in the data root's tmp/ and read back only
 * when the plan asks for it (archive-plan.ts: what the manifests name). Reads from the spool have
 * a cap of their own, so an archive whose first JSON blobs are big attestations still loads its
 * configs. The formats' own files that nothing names (VERSION, repositories, oci-layout, a legacy
 * layer's json) are not kept at all.
 * Owns: the spool directory, made on the first spooled member and removed by `remove()`, which
 * load calls whatever happened (a crash leaves it in tmp/, which stratad empties at start).
 * Errors: INVALID_ARGUMENT when the members the plan reads from the spool pass the cap.
 * Tests: test/integration/load-memory.test.ts
 */
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { invalidArgument } from '../errors.js'
import { readAll } from '../tar/byte-reader.js'

/** The most bytes of members held in memory while the archive streams by; reads from the spool have as much again. */
export const MEMORY_CAP = 32 * 1024 * 1024

/** Names a docker-archive manifest or an OCI index can give a JSON file in practice. */
const NAMEABLE = /^(manifest\.json|index\.json|blobs\/[a-z0-9]+\/[0-9a-f]{32,128}|[0-9a-f]{64}\.json)$/

/** Files of docker-archive and OCI layouts that the plan never reads: no manifest or index names them. */
const NEVER_NAMED = /(^|\/)(VERSION|repositories|oci-layout|json)$/

type Member = { bytes: Buffer } | { file: string; size: number }

/** What the members cost: the code's own accounting, logged after each load. */
export interface JsonAccounting {
  /** Bytes of members in memory now, and the most there were at once. */
  heldBytes: number
  peakHeldBytes: number
  spooledMembers: number
  spooledBytes: number
  /** Bytes read back from the spool because the plan named them. */
  readBackBytes: number
}

export class ArchiveJson {
  private readonly members = new Map<string, Member>()
  private dir: string | undefined
  private spooled = 0
  private readonly stats: JsonAccounting = {
    heldBytes: 0,
    peakHeldBytes: 0,
    spooledMembers: 0,
    spooledBytes: 0,
    readBackBytes: 0,
  }

  /** `tmpDir`: where the spool directory goes (the data root's tmp/). */
  constructor(
    private readonly tmpDir: string,
    private readonly cap = MEMORY_CAP,
  ) {}

  /** Keeps a member of `size` bytes (a later member of the same name replaces it); the body may be left unread. */
  async add(path: string, size: number, body: AsyncIterable<Buffer>): Promise<void> {
    this.forget(path)
    if (NEVER_NAMED.test(path)) return
    if (NAMEABLE.test(path) && this.stats.heldBytes + size <= this.cap) {
      const bytes = await readAll(body)
      this.hold(bytes.length)
      this.members.set(path, { bytes })
    } else this.members.set(path, await this.spool(body))
  }

  has(path: string): boolean {
    return this.members.has(path)
  }

  /** The member's bytes, read back from the spool (once) if it went there. */
  get(path: string): Buffer | undefined {
    const m = this.members.get(path)
    if (!m || 'bytes' in m) return m?.bytes
    if (this.stats.readBackBytes + m.size > this.cap)
      throw invalidArgument(`image archive: the JSON files its manifests name add up to more than ${this.cap} bytes`)
    const bytes = readFileSync(m.file)
    this.stats.readBackBytes += bytes.length
    this.hold(bytes.length)
    this.members.set(path, { bytes })
    return bytes
  }

  get accounting(): Readonly<JsonAccounting> {
    return { ...this.stats }
  }

  /** Drops every member and the spool directory. */
  remove(): void {
    this.members.clear()
    this.stats.heldBytes = 0
    if (this.dir) rmSync(this.dir, { recursive: true, force: true })
    this.dir = undefined
  }

  private hold(n: number): void {
    this.stats.heldBytes += n
    this.stats.peakHeldBytes = Math.max(this.stats.peakHeldBytes, this.stats.heldBytes)
  }

  private forget(path: string): void {
    const old = this.members.get(path)
    if (!old) return
    if ('bytes' in old) this.stats.heldBytes -= old.bytes.length
    else rmSync(old.file, { force: true })
    this.members.delete(path)
  }

  /** The body into a new file of the spool, a chunk at a time. */
  private async spool(body: AsyncIterable<Buffer>): Promise<Member> {
    this.dir ??= mkdtempSync(join(this.tmpDir, 'load-json-'))
    const file = join(this.dir, String(this.spooled++))
    const fd = openSync(file, 'wx', 0o600)
    let size = 0
    try {
      for await (const chunk of body) {
        for (let done = 0; done < chunk.length;) done += writeSync(fd, chunk, done, chunk.length - done)
        size += chunk.length
      }
    } finally {
      closeSync(fd)
    }
    this.stats.spooledMembers++
    this.stats.spooledBytes += size
    return { file, size }
  }
}
