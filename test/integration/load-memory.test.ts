/**
 * Issue 15 item 4, through a real stratad: `load` of archives full of big JSON-looking members
 * holds at most MEMORY_CAP of them in memory and spools the rest to tmp/, as its own accounting
 * (the debug log line of each load) shows; the configs and manifest it needs still load when
 * they come after the cap is full; what the manifests name is bounded too; the spool is gone
 * afterwards, whether the load worked or failed; a normal archive spools nothing (its VERSION
 * files, which no manifest names, are not kept).
 */
import { createHash } from 'node:crypto'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import type { StrataClient } from '../../client/client.js'
import { MEMORY_CAP, type JsonAccounting } from '../../daemon/registry/archive-json.js'
import { startDaemon, type Daemon } from '../helpers/daemon.js'
import { configOf, imageIdOf, legacyDockerArchive, type TestImage } from '../helpers/image-archive.js'
import { chunks, header, padTo512, tar } from '../helpers/tar-builder.js'

const MiB = 1024 * 1024
const MEMBER = 8 * MiB
const LAYER = tar([{ file: 'etc/os-release', body: 'ID=test\n' }])
const IMAGE: TestImage = { layers: [LAYER], tags: ['small:1'] }
const hex = (b: Buffer | string) => createHash('sha256').update(b).digest('hex')

async function client(t: Test, d: Daemon): Promise<StrataClient> {
  const c = await d.connect()
  t.teardown(() => c.close())
  return c
}

/** A JSON-looking member: "[" then spaces, `size` bytes. */
function* member(name: string, size = MEMBER): Generator<Buffer> {
  const body = Buffer.alloc(size, 0x20)
  body[0] = 0x5b
  yield header({ name, size })
  yield padTo512(body)
}

/**
 * 12 members named as OCI blobs (a manifest could name them: held until the cap is full, then
 * spooled) and 12 `junk/N.json` (spooled at once), 192 MiB in all, then `tail` (an archive, or
 * nothing: then the end of the archive). Streamed, never held whole here.
 */
async function* withJunk(tail?: Buffer): AsyncGenerator<Buffer> {
  for (let i = 0; i < 12; i++) yield* member(`blobs/sha256/${hex(`junk ${i}`)}`)
  for (let i = 0; i < 12; i++) yield* member(`junk/${i}.json`)
  yield* chunks(tail ?? Buffer.alloc(1024), 65536)
}

/** The accounting the daemon logged for its latest load. */
function accounting(d: Daemon): JsonAccounting {
  const lines = d.logs.map((l) => JSON.parse(l) as { msg: string } & JsonAccounting)
  const last = lines.filter((l) => l.msg === 'image.load: archive JSON members').at(-1)
  if (!last) throw new Error(`no accounting logged:\n${d.logs.join('\n')}`)
  return last
}

const tmpOf = (d: Daemon) => readdirSync(join(d.root, 'tmp'))

t.test('many large JSON-looking members: held up to the cap, the rest spooled, and the image loads', async (t) => {
  const d = await startDaemon(t, { args: ['--log-level', 'debug'] })
  const c = await client(t, d)
  const r = await c.call('image.load', {}, { upload: withJunk(legacyDockerArchive([IMAGE])) })
  t.same(r.images, [{ id: imageIdOf(IMAGE), tags: ['small:1'] }], 'config and manifest read back from the spool')
  const a = accounting(d)
  t.ok(
    a.peakHeldBytes <= MEMORY_CAP + MiB,
    `got a peak of ${a.peakHeldBytes} bytes held, want <= ${MEMORY_CAP} + 1 MiB`,
  )
  t.ok(a.peakHeldBytes >= MEMORY_CAP, 'members a manifest can name are held while they fit')
  t.ok(a.spooledMembers >= 20, `got ${a.spooledMembers} members spooled, want >= 20`)
  t.ok(a.spooledBytes >= 20 * MEMBER)
  t.ok(
    a.readBackBytes > 0 && a.readBackBytes < 64 * 1024,
    `got ${a.readBackBytes} bytes read back: the manifest and config`,
  )
  t.same(tmpOf(d), [], 'the spool is gone')
  t.match(await c.call('image.inspect', { image: 'small:1' }), { Id: imageIdOf(IMAGE) })
})

t.test('the same junk without a manifest fails cleanly', async (t) => {
  const d = await startDaemon(t, { args: ['--log-level', 'debug'] })
  const c = await client(t, d)
  await t.rejects(c.call('image.load', {}, { upload: withJunk() }), {
    code: 'INVALID_ARGUMENT',
    message: /not an image archive/,
  })
  const a = accounting(d)
  t.ok(a.peakHeldBytes <= MEMORY_CAP, `got a peak of ${a.peakHeldBytes} bytes held`)
  t.ok(a.spooledMembers >= 20)
  t.same(tmpOf(d), [], 'the spool is gone')
  t.same(await c.call('image.list', { all: true }), [], 'nothing stored')
})

t.test('configs the manifest names are bounded too, once spooled', async (t) => {
  const d = await startDaemon(t, { args: ['--log-level', 'debug'] })
  const c = await client(t, d)
  // Three images without layers, each config padded to 12 MiB: past the cap once the held members fill it.
  const configs = [0, 1, 2].map((i) => {
    const json = configOf({ layers: [], config: { Labels: { n: String(i) } } })
    return Buffer.concat([json, Buffer.alloc(12 * MiB - json.length, 0x20)])
  })
  const manifest = configs.map((cfg) => ({ Config: `${hex(cfg)}.json`, RepoTags: [], Layers: [] }))
  const archive = tar([
    ...configs.map((cfg) => ({ file: `${hex(cfg)}.json`, body: cfg })),
    { file: 'manifest.json', body: JSON.stringify(manifest) },
  ])
  await t.rejects(c.call('image.load', {}, { upload: withJunk(archive) }), {
    code: 'INVALID_ARGUMENT',
    message: /JSON files its manifests name add up to more than/,
  })
  t.ok(accounting(d).readBackBytes <= MEMORY_CAP)
  t.same(tmpOf(d), [], 'the spool is gone')
  // The same archive without the junk in front: two configs held, the third spooled and read back.
  const ok = await c.call('image.load', {}, { upload: chunks(archive, 65536) })
  t.equal(ok.images.length, 3)
  t.match(accounting(d), { spooledMembers: 1, readBackBytes: 12 * MiB }, 'the third config read back')
})

t.test('a normal archive spools nothing', async (t) => {
  const d = await startDaemon(t, { args: ['--log-level', 'debug'] })
  const c = await client(t, d)
  const r = await c.call('image.load', {}, { upload: chunks(legacyDockerArchive([IMAGE]), 65536) })
  t.same(r.images, [{ id: imageIdOf(IMAGE), tags: ['small:1'] }])
  const a = accounting(d)
  t.match(a, { spooledMembers: 0, spooledBytes: 0, readBackBytes: 0 })
  t.ok(a.peakHeldBytes > 0 && a.peakHeldBytes < 64 * 1024, `got ${a.peakHeldBytes} bytes held`)
  t.same(tmpOf(d), [])
})
