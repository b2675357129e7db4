/**
 * `save | gzip | load`, and bzip2, xz and zstd, through the strata CLI against a real stratad:
 * archives compressed whole by the Debian tools load from a file (-i) and from stdin; `import`
 * takes a rootfs tarball in each of the four; a corrupt compressed stream is INVALID_ARGUMENT
 * (exit 1 with the daemon's message) and stores nothing.
 */
import { execFile, execFileSync } from 'node:child_process'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { runPiped } from '../helpers/cli.js'
import { startDaemon, STRATA_CLI, type Daemon } from '../helpers/daemon.js'
import { digestOf, imageIdOf, legacyDockerArchive, type TestImage } from '../helpers/image-archive.js'
import { chunks, tar } from '../helpers/tar-builder.js'
import { tmpdir } from '../helpers/tmpdir.js'

const L1 = tar([{ dir: 'etc/' }, { file: 'etc/os-release', body: 'ID=test\n' }])
const L2 = tar([{ file: 'opt/app', body: Buffer.alloc(300_000, 5) }])
const APP: TestImage = { layers: [L1, L2], tags: ['app:1'], config: { Cmd: ['/opt/app'] } }

/** The tools' own formats, as a user makes them (`strata save app | gzip > app.tar.gz`). */
const TOOLS = [
  ['gzip', 'gz'],
  ['bzip2', 'bz2'],
  ['xz', 'xz'],
  ['zstd', 'zst'],
] as const
const pack = (tool: string, data: Buffer): Buffer =>
  execFileSync(tool, ['-c', '-q'], { input: data, maxBuffer: 1 << 28 })

function cli(d: Daemon) {
  const env = { ...process.env, STRATA_SOCKET: d.socket }
  const run = (...args: string[]) => promisify(execFile)(process.execPath, [STRATA_CLI, ...args], { env })
  /** The CLI with `input` on its stdin: its exit code and output. */
  const piped = (input: Buffer, ...args: string[]) => runPiped(process.execPath, [STRATA_CLI, ...args], input, env)
  return { run, piped }
}

/** What a failed load or import must leave as it was. */
function stored(d: Daemon) {
  return { layers: readdirSync(join(d.root, 'layers')).sort(), tmp: readdirSync(join(d.root, 'tmp')) }
}

t.test('save | gzip, bzip2, xz, zstd | load, from a file and from stdin', async (t) => {
  const d = await startDaemon(t)
  const c = await d.connect()
  t.teardown(() => c.close())
  await c.call('image.load', {}, { upload: chunks(legacyDockerArchive([APP]), 1 << 20) })
  const { run, piped } = cli(d)
  const dir = tmpdir(t, 'strata-compressed-')
  await run('save', '-o', join(dir, 'app.tar'), 'app:1')
  const saved = readFileSync(join(dir, 'app.tar'))
  for (const [tool, ext] of TOOLS) {
    const file = join(dir, `app.tar.${ext}`)
    writeFileSync(file, pack(tool, saved))
    await c.call('image.remove', { image: 'app:1' })
    const out = await run('load', '-i', file)
    t.equal(out.stdout, 'Loaded image: app:1\n', `load -i app.tar.${ext}`)
    t.equal((await c.call('image.inspect', { image: 'app:1' })).Id, imageIdOf(APP), `${tool}: the same image`)
    await c.call('image.remove', { image: 'app:1' })
    const fromStdin = await piped(readFileSync(file), 'load')
    t.same(fromStdin, { code: 0, stdout: 'Loaded image: app:1\n', stderr: '' }, `${tool} | strata load`)
  }
  const { stdout } = await run('images', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}')
  t.equal(stdout, `app:1 ${imageIdOf(APP).slice(7, 19)}\n`, 'one image, as saved')
})

t.test('import takes a rootfs tarball in gzip, bzip2, xz and zstd', async (t) => {
  const d = await startDaemon(t)
  const { run, piped } = cli(d)
  const c = await d.connect()
  t.teardown(() => c.close())
  const dir = tmpdir(t, 'strata-compressed-import-')
  const rootfs = tar([
    { dir: 'etc/' },
    { file: 'etc/hostname', body: 'box\n' },
    { file: 'bin/sh', body: 'x'.repeat(9000) },
  ])
  for (const [tool, ext] of TOOLS) {
    const file = join(dir, `rootfs.tar.${ext}`)
    writeFileSync(file, pack(tool, rootfs))
    const { stdout } = await run('import', file, `fs:${tool}`)
    t.match(stdout, /^sha256:[0-9a-f]{64}\n$/, `import rootfs.tar.${ext}`)
    const info = await c.call('image.inspect', { image: `fs:${tool}` })
    t.same((info.RootFS as { Layers: string[] }).Layers, [digestOf(rootfs)], `${tool}: the diffID of the plain tar`)
    const viaStdin = await piped(readFileSync(file), 'import', '-', `fs:${tool}-stdin`)
    t.equal(viaStdin.code, 0, `${tool} | strata import -`)
  }
})

t.test('a corrupt compressed archive is INVALID_ARGUMENT and stores nothing', async (t) => {
  const d = await startDaemon(t)
  const c = await d.connect()
  t.teardown(() => c.close())
  await c.call('image.load', {}, { upload: chunks(legacyDockerArchive([APP]), 1 << 20) })
  const { run } = cli(d)
  const dir = tmpdir(t, 'strata-corrupt-')
  const other: TestImage = { layers: [tar([{ file: 'new', body: Buffer.alloc(50_000, 9) }])], tags: ['other:1'] }
  const before = stored(d)
  for (const [tool, ext] of TOOLS) {
    const whole = pack(tool, legacyDockerArchive([other]))
    const damaged = Buffer.from(whole)
    for (let i = 40; i < Math.min(whole.length - 8, 400); i++) damaged[i] = damaged[i]! ^ 0xa5
    const cut = whole.subarray(0, whole.length >> 1)
    for (const [what, bytes] of [
      ['damaged', damaged],
      ['cut short', cut],
    ] as const) {
      const file = join(dir, `bad.tar.${ext}`)
      writeFileSync(file, bytes)
      await t.rejects(
        run('load', '-i', file),
        { code: 1, stderr: /Error response from daemon: .*(corrupt|bad image archive)/ },
        `load: ${tool} ${what}`,
      )
      await t.rejects(
        c.call('image.load', {}, { upload: chunks(bytes, 4096) }),
        { code: 'INVALID_ARGUMENT' },
        `load over RPC: ${tool} ${what}`,
      )
      await t.rejects(run('import', file, 'broken:1'), { code: 1 }, `import: ${tool} ${what}`)
    }
  }
  t.same(stored(d), before, 'no layer added, nothing left in tmp/')
  t.same(
    (await c.call('image.list', {})).flatMap((i) => i.repoTags),
    ['app:1'],
    'no image added',
  )
})
