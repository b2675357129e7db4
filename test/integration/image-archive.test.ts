/**
 * load and save through a real stratad: legacy docker-archives and OCI layouts (gzip'd blobs
 * too) built here byte by byte, save → load on a fresh data root → save giving the same IDs and
 * the same bytes, skopeo (a third-party tool) reading what strata saved and writing what strata
 * loads, a layer shared on two parents, and broken or lying archives that change nothing.
 */
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { execFile } from 'node:child_process'
import t, { type Test } from 'tap'
import type { StrataClient } from '../../client/client.js'
import { saveImages } from '../helpers/download.js'
import { startDaemon, STRATA_CLI, type Daemon } from '../helpers/daemon.js'
import { digestOf, imageIdOf, legacyDockerArchive, ociLayout, type TestImage } from '../helpers/image-archive.js'
import { chunks, tar } from '../helpers/tar-builder.js'
import { tmpdir } from '../helpers/tmpdir.js'

const L1 = tar([
  { dir: 'etc/' },
  { file: 'etc/os-release', body: 'ID=test\n' },
  { file: 'bin/tool', body: Buffer.alloc(100_000, 7) },
])
const L2 = tar([{ file: 'etc/.wh.os-release' }, { file: 'etc/motd', body: 'hello\n' }])
const L3 = tar([{ file: 'opt/data', body: 'x' }])
const A: TestImage = { layers: [L1, L2], tags: ['a:1'], config: { Cmd: ['/bin/tool'] } }
const B: TestImage = { layers: [L1, L2, L3], tags: ['b:1', 'b:latest'] }
/** L2 again, on no parent: the same blob staged for a second chain. */
const C: TestImage = { layers: [L2], tags: ['example.com:5000/team/c:v2'] }

async function client(t: Test, d: Daemon): Promise<StrataClient> {
  const c = await d.connect()
  t.teardown(() => c.close())
  return c
}

const load = (c: StrataClient, archive: Buffer) => c.call('image.load', {}, { upload: chunks(archive, 65536) })

async function state(c: StrataClient, d: Daemon) {
  return {
    images: (await c.call('image.list', { all: true })).map((i) => [i.id, i.repoTags]),
    layers: readdirSync(join(d.root, 'layers')).sort(),
    tmp: readdirSync(join(d.root, 'tmp')),
  }
}

const chainLength = async (c: StrataClient, image: string) =>
  ((await c.call('image.inspect', { image })).RootFS as { Layers: string[] }).Layers

t.test('a legacy docker-archive loads with its tags, IDs and layer chains', async (t) => {
  const d = await startDaemon(t)
  const c = await client(t, d)
  const r = await load(c, legacyDockerArchive([A, B, C]))
  t.same(r.images, [
    { id: imageIdOf(A), tags: ['a:1'] },
    { id: imageIdOf(B), tags: ['b:1', 'b:latest'] },
    { id: imageIdOf(C), tags: ['example.com:5000/team/c:v2'] },
  ])
  t.same(await chainLength(c, 'b'), [digestOf(L1), digestOf(L2), digestOf(L3)])
  t.match((await c.call('image.inspect', { image: 'a:1' })).Config, { Cmd: ['/bin/tool'] })
  t.equal(readdirSync(join(d.root, 'layers')).length, 4, 'L1, L1+L2, L1+L2+L3 and L2 alone')
  t.same(readdirSync(join(d.root, 'tmp')), [], 'no staging left')
  const again = await load(c, legacyDockerArchive([A]))
  t.same(again.images, [{ id: imageIdOf(A), tags: ['a:1'] }], 'loading again changes nothing')
  t.equal(readdirSync(join(d.root, 'layers')).length, 4)
})

t.test('an OCI layout with gzip blobs loads to the same images', async (t) => {
  const d = await startDaemon(t)
  const c = await client(t, d)
  const r = await load(c, ociLayout([A, B], { gzip: true }))
  t.same(
    r.images.map((i) => i.id),
    [imageIdOf(A), imageIdOf(B)],
  )
  t.same(r.images[1]?.tags, ['b:1', 'b:latest'])
  t.same(await chainLength(c, 'a:1'), [digestOf(L1), digestOf(L2)], 'diffIDs are of the uncompressed tars')
})

t.test('save, load on a fresh root, save again: same IDs, same bytes', async (t) => {
  const one = await startDaemon(t)
  const c1 = await client(t, one)
  await load(c1, legacyDockerArchive([A, B, C]))
  const saved = await saveImages(c1, ['a:1', 'b', imageIdOf(C)])
  const two = await startDaemon(t)
  const c2 = await client(t, two)
  const r = await load(c2, saved)
  t.same(r.images, [
    { id: imageIdOf(A), tags: ['a:1'] },
    { id: imageIdOf(B), tags: ['b:1', 'b:latest'] },
    { id: imageIdOf(C), tags: [] },
  ])
  const resaved = await saveImages(c2, ['a:1', 'b', imageIdOf(C)])
  t.ok(resaved.equals(saved), 'the second save is byte-identical')
  const entries = execFileSync('tar', ['-t'], { input: saved }).toString().split('\n').filter(Boolean)
  t.ok(entries.includes('manifest.json') && entries.includes('index.json') && entries.includes('oci-layout'))
  t.ok(entries.includes(`blobs/sha256/${digestOf(L3).slice(7)}`), 'a layer blob is named by its diffID')
  await t.rejects(saveImages(c1, ['nosuch:tag']), { code: 'NOT_FOUND' })
  await t.rejects(c1.call('image.save', { images: [] }), { code: 'INVALID_ARGUMENT' })
})

t.test('skopeo reads what strata saves, and strata loads what skopeo writes', async (t) => {
  const d = await startDaemon(t)
  const c = await client(t, d)
  await load(c, ociLayout([B]))
  const dir = tmpdir(t, 'strata-skopeo-')
  writeFileSync(join(dir, 'saved.tar'), await saveImages(c, ['b:1']))
  const skopeo = (...args: string[]) => execFileSync('skopeo', ['--insecure-policy', ...args]).toString()
  const inspected = JSON.parse(skopeo('inspect', '--config', `docker-archive:${join(dir, 'saved.tar')}`)) as {
    rootfs: { diff_ids: string[] }
  }
  t.same(inspected.rootfs.diff_ids, [digestOf(L1), digestOf(L2), digestOf(L3)])
  skopeo('copy', `oci-archive:${join(dir, 'saved.tar')}`, `oci:${join(dir, 'oci')}:b`)
  skopeo(
    'copy',
    `docker-archive:${join(dir, 'saved.tar')}`,
    `oci-archive:${join(dir, 'oci.tar')}:docker.io/library/o:1`,
  )
  skopeo('copy', `docker-archive:${join(dir, 'saved.tar')}`, `docker-archive:${join(dir, 'docker.tar')}:d:1`)
  const fresh = await startDaemon(t)
  const c2 = await client(t, fresh)
  // skopeo rewrites the config when it turns a docker-archive into OCI: ask it for the new ID.
  const ociManifest = JSON.parse(skopeo('inspect', '--raw', `oci-archive:${join(dir, 'oci.tar')}`)) as {
    config: { digest: string }
  }
  t.same((await load(c2, readFileSync(join(dir, 'oci.tar')))).images, [
    { id: ociManifest.config.digest, tags: ['o:1'] },
  ])
  t.same(await chainLength(c2, 'o:1'), [digestOf(L1), digestOf(L2), digestOf(L3)])
  t.same((await load(c2, readFileSync(join(dir, 'docker.tar')))).images, [{ id: imageIdOf(B), tags: ['d:1'] }])
})

t.test('broken or lying archives are refused and change nothing', async (t) => {
  const d = await startDaemon(t)
  const c = await client(t, d)
  await load(c, legacyDockerArchive([A]))
  const before = await state(c, d)
  const refuse = async (archive: Buffer, message: RegExp, why: string) => {
    await t.rejects(load(c, archive), { code: 'INVALID_ARGUMENT', message }, why)
    t.same(await state(c, d), before, `${why}: nothing changed`)
  }
  await refuse(
    legacyDockerArchive([{ ...B, diffIds: [digestOf(L1), digestOf(L3), digestOf(L2)] }]),
    /diffID/,
    'diffIDs',
  )
  await refuse(tar([{ file: 'hello.txt', body: 'hi' }]), /neither manifest\.json/, 'not an image archive')
  await refuse(legacyDockerArchive([B]).subarray(0, 5000), /truncated/, 'a truncated archive')
  await refuse(Buffer.from('not a tar at all, just some text that is long enough'.repeat(20)), /tar/, 'not a tar')
  await refuse(legacyDockerArchive([{ layers: [tar([{ file: '../escape', body: 'x' }])] }]), /\.\./, 'hostile layer')
  const oci = ociLayout([B], { gzip: true })
  const hexL3 = digestOf(L3).slice(7)
  await refuse(
    Buffer.from(
      oci.toString('latin1').replace('"mediaType":"application/vnd.oci.image.config', '"mediaType":"x'),
      'latin1',
    ),
    /digest/,
    'an index that no longer matches its manifest digest',
  )
  const manifest = JSON.stringify([{ Config: 'c.json', RepoTags: ['m:1'], Layers: [`${hexL3}/layer.tar`] }])
  await refuse(
    tar([
      { file: 'c.json', body: JSON.stringify({ rootfs: { type: 'layers', diff_ids: [digestOf(L3)] } }) },
      { file: 'manifest.json', body: manifest },
    ]),
    /not in the archive/,
    'a missing layer',
  )
  await refuse(tar([{ file: 'manifest.json', body: '[{"Config": ' }]), /not valid JSON/, 'bad JSON')
})

t.test('strata save -o and strata load -i', async (t) => {
  const d = await startDaemon(t)
  const c = await client(t, d)
  await load(c, legacyDockerArchive([A, C]))
  const dir = tmpdir(t, 'strata-cli-archive-')
  const run = (...args: string[]) =>
    promisify(execFile)(process.execPath, [STRATA_CLI, ...args], { env: { ...process.env, STRATA_SOCKET: d.socket } })
  await run('save', '-o', join(dir, 'out.tar'), 'a:1', 'example.com:5000/team/c')
  t.same(readdirSync(dir), ['out.tar'], 'no partial file left')
  await c.call('image.remove', { image: 'a:1' })
  const out = await run('load', '-i', join(dir, 'out.tar'))
  t.equal(out.stdout, 'Loaded image: a:1\nLoaded image: example.com:5000/team/c:v2\n')
  await t.rejects(run('save', '-o', join(dir, 'none.tar'), 'nosuch'), { code: 1, stderr: /No such image/ })
  t.same(readdirSync(dir), ['out.tar'])
})
