/**
 * Blob downloads against a fake registry client: a broken download resumes from its partial
 * file, a whole one is handed over by a rename (never written twice), and a second download of
 * the same blob at the same moment keeps a file of its own that goes when it stops early.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import type { RegistryClient } from '../../../daemon/registry/client.js'
import { downloadBlob } from '../../../daemon/registry/download.js'
import { tmpdir } from '../../helpers/tmpdir.js'

const BLOB = Buffer.from('0123456789'.repeat(100))
const DIGEST = `sha256:${'ab'.repeat(32)}`
const HEX = DIGEST.slice(7)

/** Serves BLOB in 100-byte chunks from `from` (Range honoured), recording each request's start. */
function fakeClient(asked: number[] = []): RegistryClient {
  async function* chunks(from: number) {
    for (let off = from; off < BLOB.length; off += 100) yield BLOB.subarray(off, off + 100)
  }
  return {
    openBlob: async (_repo: string, _digest: string, from: number) => {
      asked.push(from)
      return { resumed: from > 0, body: chunks(from) }
    },
    blob: (_repo: string, _digest: string) => chunks(0),
  } as unknown as RegistryClient
}

async function readAll(body: AsyncIterable<Buffer>): Promise<Buffer> {
  const out: Buffer[] = []
  for await (const b of body) out.push(b)
  return Buffer.concat(out)
}

t.test('a whole download is renamed where the caller keeps it', async (t) => {
  const dir = tmpdir(t)
  const dl = await downloadBlob(fakeClient(), join(dir, 'downloads'), 'repo', DIGEST)
  t.same(await readAll(dl.body), BLOB)
  dl.done(join(dir, 'blob'))
  t.same(readFileSync(join(dir, 'blob')), BLOB, 'the file holds the whole blob')
  t.same(readdirSync(join(dir, 'downloads')), [], 'and left the downloads')
})

t.test('a broken download resumes from its partial file', async (t) => {
  const dir = tmpdir(t)
  const downloads = join(dir, 'downloads')
  const asked: number[] = []
  const first = await downloadBlob(fakeClient(asked), downloads, 'repo', DIGEST)
  let got = 0
  for await (const b of first.body) if ((got += b.length) >= 300) break
  await first.stop()
  t.same(readdirSync(downloads), [`${HEX}.partial`], 'the partial file stays')
  const again = await downloadBlob(fakeClient(asked), downloads, 'repo', DIGEST)
  t.equal(again.resumedAt, 300)
  t.same(await readAll(again.body), BLOB, 'the saved part is replayed, the rest downloaded')
  t.same(asked, [0, 300], 'only the rest was asked for')
  again.done()
  t.same(readdirSync(downloads), [])
})

t.test('a blob that proves wrong is not resumed from', async (t) => {
  const dir = tmpdir(t)
  const downloads = join(dir, 'downloads')
  const dl = await downloadBlob(fakeClient(), downloads, 'repo', DIGEST)
  await readAll(dl.body)
  dl.discard()
  t.same(readdirSync(downloads), [])

  const early = await downloadBlob(fakeClient(), downloads, 'repo', DIGEST)
  const it = early.body[Symbol.asyncIterator]()
  const first = await it.next()
  early.discard()
  t.same(readdirSync(downloads), [], 'discarded before its end')
  const rest: Buffer[] = [first.value as Buffer]
  for (let n = await it.next(); !n.done; n = await it.next()) rest.push(n.value)
  t.same(Buffer.concat(rest), BLOB, 'the rest can still be read (to hash it)')
  t.same(readdirSync(downloads), [], 'and is not saved')
})

t.test('a second download of the same blob at once has a file of its own', async (t) => {
  const dir = tmpdir(t)
  const downloads = join(dir, 'downloads')
  const asked: number[] = []
  const first = await downloadBlob(fakeClient(asked), downloads, 'repo', DIGEST)
  const second = await downloadBlob(fakeClient(asked), downloads, 'repo', DIGEST)
  const third = await downloadBlob(fakeClient(asked), downloads, 'repo', DIGEST)
  t.equal(second.resumedAt, 0)
  t.same(await readAll(second.body), BLOB)
  second.done(join(dir, 'second'))
  t.same(readFileSync(join(dir, 'second')), BLOB, 'handed over like any other')
  for await (const b of third.body) if (b.length) break
  await third.stop()
  t.same(await readAll(first.body), BLOB)
  first.done(join(dir, 'first'))
  t.same(readFileSync(join(dir, 'first')), BLOB)
  t.same(readdirSync(downloads), [], 'the one that stopped early left nothing')
})
