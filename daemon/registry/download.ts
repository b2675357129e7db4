/**
 * A blob download that survives a broken connection: the bytes are also appended to
 * tmp/downloads/<hex>.partial, and a later download of the same blob asks the registry for the
 * rest only (Range), replaying the saved part first. Once the blob is whole and verified its file
 * is handed over (renamed to where the caller keeps it, so a pulled layer's blob is written once)
 * or removed; it goes too when it proves wrong (digest mismatch); tmp/ is emptied when stratad
 * starts. One download per blob at a time resumes; another of the same blob at the same moment
 * writes a file of its own, which goes when that download stops before it is done.
 * Tests: test/unit/registry/download.test.ts
 */
import { randomBytes } from 'node:crypto'
import {
  closeSync,
  fdatasyncSync,
  createReadStream,
  existsSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs'
import { join } from 'node:path'
import type { RegistryClient } from './client.js'

const active = new Set<string>()

export interface Download {
  /** Bytes taken from the partial file of an earlier attempt. */
  resumedAt: number
  body: AsyncGenerator<Buffer>
  /** The blob is whole and verified: its file goes, or is renamed to `keepAt` (the caller's then). */
  done(keepAt?: string): void
  /** The saved bytes cannot be trusted (a digest mismatch): its file goes too. */
  discard(): void
  /** Ends the download before it is done: a resumable file stays for the next attempt, another goes. */
  stop(): Promise<void>
}

export async function downloadBlob(
  client: RegistryClient,
  dir: string,
  repo: string,
  digest: string,
): Promise<Download> {
  mkdirSync(dir, { recursive: true })
  if (active.has(digest)) {
    const file = join(dir, `${digest.slice(7)}.${randomBytes(6).toString('hex')}.partial`)
    return saving(file, 0, { resumed: false, body: client.blob(repo, digest) }, false)
  }
  active.add(digest)
  const file = join(dir, `${digest.slice(7)}.partial`)
  const have = existsSync(file) ? statSync(file).size : 0
  let opened
  try {
    opened = await client.openBlob(repo, digest, have)
  } catch (err) {
    active.delete(digest)
    throw err
  }
  return saving(file, have, opened, true, () => active.delete(digest))
}

/** fdatasync of a file by its path (its writer has closed it already). */
function syncFile(path: string): void {
  const fd = openSync(path, 'r')
  try {
    fdatasyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

/**
 * The blob's bytes, each chunk also written to `file` after the `have` bytes an earlier attempt
 * left there (replayed first when the registry resumed). `ended` runs when the body ends.
 */
function saving(
  file: string,
  have: number,
  opened: { resumed: boolean; body: AsyncIterable<Buffer> },
  resumable: boolean,
  ended: () => void = () => undefined,
): Download {
  const resumedAt = opened.resumed ? have : 0
  let fd: number | undefined = openSync(file, opened.resumed ? 'a' : 'w', 0o600)
  const close = () => {
    if (fd !== undefined) closeSync(fd)
    fd = undefined
  }
  let whole = false
  let finished = false
  /** Once: a file that cannot be resumed goes unless the blob came whole. */
  const finish = () => {
    close()
    if (finished) return
    finished = true
    if (!whole && !resumable) rmSync(file, { force: true })
    ended()
  }
  const body = (async function* () {
    try {
      if (resumedAt) for await (const chunk of createReadStream(file, { end: resumedAt - 1 })) yield chunk as Buffer
      for await (const chunk of opened.body) {
        const out = fd // closed once discarded: the rest may still be read (to hash it), not saved
        if (out !== undefined) for (let off = 0; off < chunk.length;) off += writeSync(out, chunk, off)
        yield chunk
      }
      whole = true
    } finally {
      finish()
    }
  })()
  return {
    resumedAt,
    body,
    done: (keepAt) => {
      whole = true
      finish()
      if (!keepAt) return rmSync(file, { force: true })
      // Written out before it is kept: a kept blob is pushed back byte for byte, so it must survive
      // a crash once its layer is recorded.
      syncFile(file)
      renameSync(file, keepAt)
    },
    discard: () => {
      finish()
      rmSync(file, { force: true })
    },
    stop: async () => {
      await body.return(undefined)
      finish()
    },
  }
}
