/**
 * `strata inspect`, `container inspect` and `image inspect` through a real stratad: containers
 * found as well as images (a container first, as Docker looks), --type, Docker's JSON fields for
 * a container mounted and not, GraphDriver.Data as overlay2 shows an image's and a container's,
 * and Docker's errors and exit codes for names not found.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { startDaemon, type Daemon } from '../helpers/daemon.js'
import { cliOn, type CliRun } from '../helpers/cli.js'
import { tmpdir } from '../helpers/tmpdir.js'

const strata = (d: Daemon, args: string[]): Promise<CliRun> => cliOn(d, args)

/** The fields the tests read, of an image or a container. */
interface Inspected {
  Id: string
  Created: string
  State: { Pid: number; StartedAt: string }
  GraphDriver: { Data: Record<string, string> }
  Config: Record<string, unknown>
  SizeRw?: number
  Size?: number
  [field: string]: unknown
}

/** `inspect` output, parsed; the run must succeed. */
async function inspected(t: Test, d: Daemon, args: string[]): Promise<Inspected[]> {
  const r = await strata(d, args)
  t.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`)
  return JSON.parse(r.stdout) as Inspected[]
}

/** A daemon with base:1, a one-layer image imported with CMD ["/bin/true"]. */
async function daemonWithBase(t: Test): Promise<{ d: Daemon; imageId: string }> {
  const d = await startDaemon(t)
  const dir = tmpdir(t)
  mkdirSync(join(dir, 'root/etc'), { recursive: true })
  writeFileSync(join(dir, 'root/etc/hello'), 'hi')
  execFileSync('tar', ['-C', join(dir, 'root'), '-cf', join(dir, 'root.tar'), '.'])
  const r = await strata(d, ['import', '-c', 'CMD ["/bin/true"]', join(dir, 'root.tar'), 'base:1'])
  t.equal(r.code, 0, r.stderr)
  return { d, imageId: r.stdout.trim() }
}

t.test('a container: Docker fields, created then mounted; -s adds sizes', async (t) => {
  const { d, imageId } = await daemonWithBase(t)
  const id = (await strata(d, ['create', '--name', 'box', 'base:1'])).stdout.trim()
  const [image] = await inspected(t, d, ['image', 'inspect', 'base:1'])
  const layerDir = image?.GraphDriver.Data.UpperDir as string
  const [c] = await inspected(t, d, ['inspect', 'box'])
  const dir = join(d.root, 'containers', id)
  t.same(c, {
    Id: id,
    Created: c?.Created,
    State: {
      Status: 'created',
      Running: false,
      Paused: false,
      Mounted: false,
      Pid: 0,
      StartedAt: '0001-01-01T00:00:00Z',
      FinishedAt: '0001-01-01T00:00:00Z',
    },
    Image: imageId,
    Name: '/box',
    Driver: 'strata-fuse',
    Platform: 'linux',
    GraphDriver: {
      Name: 'strata-fuse',
      Data: {
        LowerDir: layerDir,
        MergedDir: join(dir, 'merged'),
        UpperDir: join(dir, 'upper'),
        WorkDir: join(dir, 'work'),
      },
    },
    Mounts: [],
    MountPoint: '',
    Config: { ...image?.Config, Image: 'base:1', Tty: false, OpenStdin: false },
  })
  t.match(c?.Created, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/)
  t.same(c?.Config.Cmd, ['/bin/true'], 'Config from the image')
  t.ok(existsSync(c?.GraphDriver.Data.UpperDir ?? ''), 'UpperDir is the writable layer')

  const mnt = (await strata(d, ['mount', 'box'])).stdout.trim()
  t.teardown(() => strata(d, ['unmount', '-f', 'box']).then(() => undefined))
  writeFileSync(join(mnt, 'etc/new'), 'new')
  const [m] = await inspected(t, d, ['container', 'inspect', '-s', id.slice(0, 8)])
  t.match(m?.State, { Status: 'mounted', Running: true, Mounted: true, Paused: false })
  t.ok((m?.State.Pid as number) > 0, 'Pid: the mount worker')
  t.not(m?.State.StartedAt, '0001-01-01T00:00:00Z')
  t.equal(m?.MountPoint, mnt)
  t.equal(m?.GraphDriver.Data.MergedDir, mnt)
  t.ok((m?.SizeRw as number) > 0, 'SizeRw with -s')
  t.equal(m?.SizeRootFs, (image?.Size as number) + (m?.SizeRw as number), 'the image as images counts it, plus SizeRw')
  t.equal(
    (await strata(d, ['inspect', '--format', '{{.State.Running}} {{.Name}} {{.Config.Image}}', 'box'])).stdout,
    'true /box base:1\n',
  )
  t.equal((await strata(d, ['unmount', 'box'])).code, 0)
  t.equal((await strata(d, ['inspect', '-f', '{{.State.Status}} {{.MountPoint}}', 'box'])).stdout, 'created \n')
})

t.test("image GraphDriver.Data: overlay2's UpperDir, LowerDir, MergedDir, WorkDir", async (t) => {
  const { d } = await daemonWithBase(t)
  const [one] = await inspected(t, d, ['inspect', 'base:1'])
  const data = one?.GraphDriver.Data as Record<string, string>
  t.same(Object.keys(data).sort(), ['MergedDir', 'UpperDir', 'WorkDir'], 'one layer: no LowerDir, as Docker')
  t.match(data.UpperDir, new RegExp(`^${d.root}/layers/[0-9a-f]{64}/diff$`))
  t.equal(data.MergedDir, data.UpperDir?.replace(/diff$/, 'merged'))
  t.equal(data.WorkDir, data.UpperDir?.replace(/diff$/, 'work'))
  t.ok(existsSync(join(data.UpperDir as string, 'etc/hello')), 'UpperDir holds the top layer')
  await strata(d, ['create', '--name', 'box', 'base:1'])
  const mnt = (await strata(d, ['mount', 'box'])).stdout.trim()
  t.teardown(() => strata(d, ['unmount', '-f', 'box']).then(() => undefined))
  writeFileSync(join(mnt, 'added'), 'x')
  t.equal((await strata(d, ['commit', 'box', 'base:2'])).code, 0)
  const [two] = await inspected(t, d, ['image', 'inspect', 'base:2'])
  t.equal(two?.GraphDriver.Data.LowerDir, data.UpperDir, 'LowerDir: the layers under the top one')
  t.ok(existsSync(join(two?.GraphDriver.Data.UpperDir as string, 'added')), 'UpperDir: the committed layer')
})

t.test('containers first, then images; --type; errors as Docker prints them', async (t) => {
  const { d, imageId } = await daemonWithBase(t)
  t.equal((await strata(d, ['tag', 'base:1', 'both'])).code, 0)
  const id = (await strata(d, ['create', '--name', 'both', 'base:1'])).stdout.trim()
  t.equal((await strata(d, ['inspect', '-f', '{{.Id}}', 'both'])).stdout, `${id}\n`, 'a container wins, as in Docker')
  t.equal((await strata(d, ['inspect', '--type', 'image', '-f', '{{.Id}}', 'both'])).stdout, `${imageId}\n`)
  t.equal((await strata(d, ['inspect', '--type=container', '-f', '{{.Id}}', 'both'])).stdout, `${id}\n`)
  const two = await inspected(t, d, ['inspect', 'both', 'base:1'])
  t.same(
    two.map((o) => o.Id),
    [id, imageId],
  )

  const none = await strata(d, ['inspect', 'nosuch'])
  t.same([none.code, none.stdout, none.stderr], [1, '[]\n', 'Error: No such object: nosuch\n'])
  const partly = await strata(d, ['inspect', '-f', '{{.Name}}', 'both', 'nosuch'])
  t.same([partly.code, partly.stdout, partly.stderr], [1, '/both\n', 'Error: No such object: nosuch\n'])
  const noImage = await strata(d, ['inspect', '--type', 'image', 'nosuch'])
  t.same([noImage.code, noImage.stderr], [1, 'Error: No such image: nosuch\n'])
  const noContainer = await strata(d, ['container', 'inspect', 'base:1'])
  t.same([noContainer.code, noContainer.stdout, noContainer.stderr], [1, '[]\n', 'Error: No such container: base:1\n'])
  const badType = await strata(d, ['inspect', '--type', 'volume', 'both'])
  t.same([badType.code, badType.stderr], [125, '"volume" is not a valid value for --type\n'])
})
