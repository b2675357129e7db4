/**
 * A blob download that survives a broken connection: the bytes are also appended to
 * tmp/downloads/<hex>.partial, and a later download of the same blob asks the registry for the
 * rest only (Range), replaying the saved part first. The file goes once the blob is whole, or
 * when it proves wrong (digest mismatch); tmp/ is emptied when stratad starts. One download per
 * blob at a time resumes; another of the same blob at the same moment simply downloads.
 */
import { closeSync, createReadStream, existsSync, mkdirSync, openSync, rmSync, statSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import type { RegistryClient } from './client.js'

const active = new Set<string>()

export interface Download {
  /** Bytes taken from the partial file of an earlier attempt. */
  resumedAt: number
  body: AsyncGenerator<Buffer>
  /** The blob is whole and verified: its partial file goes. */
  done(): void
  /** The saved bytes cannot be trusted (a digest mismatch): its partial file goes too. */
  discard(): void
}

export async function downloadBlob(
  client: RegistryClient,
  dir: string,
  repo: string,
  digest: string,
): Promise<Download> {
  if (active.has(digest)) {
    const body = client.blob(repo, digest)
    return { resumedAt: 0, body, done: () => undefined, discard: () => undefined }
  }
  active.add(digest)
  mkdirSync(dir, { recursive: true })
  const file = join(dir, `${digest.slice(7)}.partial`)
  const have = existsSync(file) ? statSync(file).size : 0
  let opened
  try {
    opened = await client.openBlob(repo, digest, have)
  } catch (err) {
    active.delete(digest)
    throw err
  }
  const { resumed, body } = opened
  const resumedAt = resumed ? have : 0
  const fd = openSync(file, resumed ? 'a' : 'w', 0o600)
  const stream = (async function* () {
    try {
      if (resumedAt) for await (const chunk of createReadStream(file, { end: resumedAt - 1 })) yield chunk as Buffer
      for await (const chunk of body) {
        for (let off = 0; off < chunk.length;) off += writeSync(fd, chunk, off)
        yield chunk
      }
    } finally {
      closeSync(fd)
      active.delete(digest)
    }
  })()
  return {
    resumedAt,
    body: stream,
    done: () => rmSync(file, { force: true }),
    discard: () => rmSync(file, { force: true }),
  }
}
