/**
 * Digest references through the CLI against a real stratad and a real registry (Debian's
 * docker-registry on loopback): an image pushed, then pulled by digest where its ID is already
 * loaded (the RepoDigest is recorded all the same); then inspect, images, history, tag, save,
 * create, image mount, push and rmi by `repo@sha256:…` (and `repo:tag@sha256:…`, looked up by
 * its digest); rmi's Untagged lines for digests; unknown and malformed digests; an image pulled
 * through an index is known by the index's digest.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { ociArch } from '../../daemon/store/image-config.js'
import { startDaemon, type Daemon } from '../helpers/daemon.js'
import { cliOn, type CliRun } from '../helpers/cli.js'
import { digestOf, imageIdOf, legacyDockerArchive, type TestImage } from '../helpers/image-archive.js'
import { startRegistry } from '../helpers/registry.js'
import { chunks, tar } from '../helpers/tar-builder.js'
import { tmpdir } from '../helpers/tmpdir.js'

const strata = (d: Daemon, args: string[]): Promise<CliRun> => cliOn(d, args)

const L1 = tar([{ dir: 'etc/' }, { file: 'etc/os-release', body: 'ID=test\n' }])
const L2 = tar([{ file: 'opt/app', body: Buffer.alloc(20_000, 3) }])
const APP: TestImage = { layers: [L1, L2], tags: ['app:1'], config: { Cmd: ['/opt/app'] } }
const ID = imageIdOf(APP)
const SHORT = ID.slice(7, 19)
const CHAIN2 = digestOf(`${digestOf(L1)} ${digestOf(L2)}`)

/** Runs a CLI command that must succeed and gives its stdout. */
async function ok(t: Test, d: Daemon, args: string[]): Promise<string> {
  const r = await strata(d, args)
  t.equal(r.code, 0, `strata ${args.join(' ')}: ${r.stderr}`)
  return r.stdout
}

t.test('pull by digest, then every command by digest', async (t) => {
  const reg = await startRegistry(t)
  const repo = `${reg.host}/team/app`
  const archive = join(tmpdir(t), 'app.tar')
  writeFileSync(archive, legacyDockerArchive([APP]))

  const pusher = await startDaemon(t)
  await ok(t, pusher, ['load', '-i', archive])
  await ok(t, pusher, ['tag', 'app:1', `${repo}:1`])
  await ok(t, pusher, ['push', `${repo}:1`])
  const pushed = JSON.parse(await ok(t, pusher, ['inspect', '-f', '{{json .RepoDigests}}', `${repo}:1`])) as string[]
  t.equal(pushed.length, 1)
  const digest = String(pushed[0]).split('@')[1]
  t.match(digest, /^sha256:[0-9a-f]{64}$/)
  const ref = `${repo}@${digest}`
  await ok(t, pusher, ['rmi', ref])
  t.equal(
    await ok(t, pusher, ['inspect', '-f', '{{json .RepoDigests}}', `${repo}:1`]),
    '[]\n',
    'a pushed digest goes by rmi too',
  )

  const d = await startDaemon(t)
  await ok(t, d, ['load', '-i', archive])
  await ok(t, d, ['pull', ref])
  t.equal(
    await ok(t, d, ['inspect', '-f', '{{.Id}} {{json .RepoTags}} {{json .RepoDigests}}', ref]),
    `${ID} ["app:1"] ["${ref}"]\n`,
    'the image was here already: its RepoDigest is recorded all the same',
  )
  t.equal(
    await ok(t, d, ['image', 'inspect', '-f', '{{.Id}}', `${repo}:nosuchtag@${digest}`]),
    `${ID}\n`,
    'repo:tag@digest is looked up by its digest',
  )

  const images = (await ok(t, d, ['images', '--digests'])).split('\n')
  t.match(images[0], /^REPOSITORY +TAG +DIGEST +IMAGE ID +CREATED +SIZE$/)
  t.match(images[1], new RegExp(`^app +1 +<none> +${SHORT} `))
  t.match(images[2], new RegExp(`^${repo} +<none> +${digest} +${SHORT} `), 'a repository known by digest only')
  t.equal(images.length, 4)
  t.match((await ok(t, d, ['images'])).split('\n')[2], new RegExp(`^${repo} +<none> +${SHORT} `))
  const filtered = (await ok(t, d, ['images', ref])).split('\n')
  t.match(filtered[1], new RegExp(`^${repo} +<none> +${SHORT} `), 'images REPO@sha256:…')
  t.equal(filtered.length, 3, 'only the names that match')
  t.equal(
    await ok(t, d, ['images', '--format', '{{.Repository}} {{.Tag}} {{.Digest}}', ref]),
    `${repo} <none> ${digest}\n`,
  )
  const history = (await ok(t, d, ['history', ref])).split('\n')
  t.match(history[1], new RegExp(`^${SHORT} +.* ago +test +`))
  t.match(history[2], /^<missing> +/)
  t.equal(history.length, 4)

  t.equal(await ok(t, d, ['tag', ref, 'mine:1']), '')
  t.equal(await ok(t, d, ['inspect', '-f', '{{.Id}}', 'mine:1']), `${ID}\n`)
  const saved = join(tmpdir(t), 'saved.tar')
  await ok(t, d, ['save', '-o', saved, ref])
  const manifest = JSON.parse(execFileSync('tar', ['-xOf', saved, 'manifest.json'], { encoding: 'utf8' })) as Array<{
    RepoTags: string[] | null
  }>
  t.same(
    manifest.map((m) => m.RepoTags ?? []),
    [[]],
    'saved by digest: the image, without tags (as Docker)',
  )

  const container = (await ok(t, d, ['create', '--name', 'c1', ref])).trim()
  t.match(container, /^[0-9a-f]{64}$/)
  const view = (await ok(t, d, ['image', 'mount', ref])).trim()
  t.teardown(() => strata(d, ['image', 'unmount', '-f', ID]).then(() => undefined))
  t.ok(existsSync(join(view, 'etc/os-release')), 'image mount by digest')
  await ok(t, d, ['image', 'unmount', ref])
  const inUse = await strata(d, ['rmi', ref])
  t.equal(inUse.code, 0, 'a digest goes while other names are left, container or not')
  t.equal(inUse.stdout, `Untagged: ${ref}\n`)
  await ok(t, d, ['pull', ref])
  await ok(t, d, ['rm', 'c1'])

  await ok(t, d, ['push', ref])
  const head = await fetch(`http://${reg.host}/v2/team/app/manifests/${digest}`, {
    method: 'HEAD',
    headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
  })
  t.equal(head.status, 200, 'pushed by digest')
  const tags = (await (await fetch(`http://${reg.host}/v2/team/app/tags/list`)).json()) as { tags: string[] }
  t.same(tags.tags, ['1'], 'and under no tag of its own')
  const unknown = `${repo}@sha256:${'0'.repeat(64)}`
  for (const cmd of [['inspect'], ['rmi'], ['history'], ['tag'], ['create'], ['push'], ['image', 'mount'], ['save']]) {
    const args = [...cmd, unknown, ...(cmd[0] === 'tag' ? ['x:1'] : []), ...(cmd[0] === 'save' ? ['-o', saved] : [])]
    const r = await strata(d, args)
    t.equal(r.code, 1, `${cmd.join(' ')} of an unknown digest fails`)
    // `inspect` looks for containers too, so it says what Docker's says: No such object.
    t.match(r.stderr, `No such ${cmd[0] === 'inspect' ? 'object' : 'image'}: ${unknown}`)
  }
  const bad = await strata(d, ['inspect', `${repo}@sha256:abc`])
  t.equal(bad.code, 1)
  t.match(bad.stderr, /invalid digest in reference/)

  // By tag: the same image again; its repository's last tag takes its digest along.
  await ok(t, d, ['pull', `${repo}:1`])
  t.match(
    (await ok(t, d, ['images', '--digests', repo])).split('\n')[1],
    new RegExp(`^${repo} +1 +${digest} +${SHORT} `),
  )
  t.equal(await ok(t, d, ['rmi', `${repo}:1`]), `Untagged: ${repo}:1\nUntagged: ${ref}\n`)
  await ok(t, d, ['pull', ref])
  const conflict = await strata(d, ['rmi', SHORT])
  t.equal(conflict.code, 1)
  t.match(conflict.stderr, /must be forced/, 'three repositories')
  t.equal(await ok(t, d, ['rmi', 'app:1', 'mine:1']), 'Untagged: app:1\nUntagged: mine:1\n')
  t.equal(
    await ok(t, d, ['rmi', ref]),
    `Untagged: ${ref}\nDeleted: ${ID}\nDeleted: ${CHAIN2}\nDeleted: ${digestOf(L1)}\n`,
    'the last name was a digest: the image and its layers go',
  )
  t.equal(await ok(t, d, ['images', '-a', '-q']), '')
  t.match(await ok(t, d, ['fsck']), /: 0 problems, 0 repaired\n$/)
})

t.test('an image known by one repository, tag and digest, goes by ID without -f', async (t) => {
  const reg = await startRegistry(t)
  const name = `${reg.host}/solo/app:1`
  const d = await startDaemon(t)
  const c = await d.connect()
  t.teardown(() => c.close())
  await c.call('image.load', {}, { upload: chunks(legacyDockerArchive([{ ...APP, tags: [name] }]), 1 << 20) })
  const { digest } = await c.call('image.push', { ref: name })
  t.equal(
    await ok(t, d, ['rmi', SHORT]),
    `Untagged: ${name}\nUntagged: ${reg.host}/solo/app@${digest}\nDeleted: ${ID}\nDeleted: ${CHAIN2}\nDeleted: ${digestOf(L1)}\n`,
  )
})

t.test('pulled through an index, an image is known by the index digest, as Docker records it', async (t) => {
  const reg = await startRegistry(t)
  const repo = `${reg.host}/team/multi`
  const pusher = await startDaemon(t)
  const c = await pusher.connect()
  t.teardown(() => c.close())
  const img: TestImage = { ...APP, architecture: ociArch(), tags: [`${repo}:one`] }
  await c.call('image.load', {}, { upload: chunks(legacyDockerArchive([img]), 1 << 20) })
  const { digest } = await c.call('image.push', { ref: `${repo}:one` })
  const accept = { accept: 'application/vnd.oci.image.manifest.v1+json' }
  const head = await fetch(`http://${reg.host}/v2/team/multi/manifests/${digest}`, { method: 'HEAD', headers: accept })
  const size = Number(head.headers.get('content-length'))
  const platform = { os: 'linux', architecture: ociArch() }
  const manifests = [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest, size, platform }]
  const index = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests })
  const put = await fetch(`http://${reg.host}/v2/team/multi/manifests/1`, {
    method: 'PUT',
    headers: { 'content-type': 'application/vnd.oci.image.index.v1+json' },
    body: index,
  })
  t.equal(put.status, 201)
  const ref = `${repo}@${digestOf(index)}`

  const d = await startDaemon(t)
  const pulled = await ok(t, d, ['pull', ref])
  t.match(pulled, `\nDigest: ${digestOf(index)}\n`, "pull's Digest line names the index, as Docker's")
  t.equal(await ok(t, d, ['inspect', '-f', '{{.Id}} {{json .RepoDigests}}', ref]), `${imageIdOf(img)} ["${ref}"]\n`)
  const push = await strata(d, ['push', ref])
  t.equal(push.code, 1, 'its manifest is not the index: it cannot go back by that digest')
  t.match(push.stderr, `cannot push ${ref}: strata has its manifest as ${digest}, not that digest; push it by tag`)
  t.equal(
    await ok(t, d, ['rmi', ref]),
    `Untagged: ${ref}\nDeleted: ${imageIdOf(img)}\nDeleted: ${CHAIN2}\nDeleted: ${digestOf(L1)}\n`,
  )
})
