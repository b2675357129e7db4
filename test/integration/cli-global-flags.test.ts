/**
 * Global flags before the command only, as Docker reads them, through a real stratad: `history
 * -H=false` is --human=false (not --host), `history -H IMAGE` leaves the image alone, a verb's
 * -f, -q and -a are its own, and -H before the verb still picks the socket.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { startDaemon, type Daemon } from '../helpers/daemon.js'
import { cliOn, runCli, type CliRun } from '../helpers/cli.js'
import { tmpdir } from '../helpers/tmpdir.js'

const strata = (d: Daemon | null, args: string[]): Promise<CliRun> => (d ? cliOn(d, args) : runCli(args))

t.test('history -H=false is --human=false; -H before the verb is --host', async (t) => {
  const d = await startDaemon(t)
  const dir = tmpdir(t)
  mkdirSync(join(dir, 'root/etc'), { recursive: true })
  writeFileSync(join(dir, 'root/etc/hello'), 'hi')
  execFileSync('tar', ['-C', join(dir, 'root'), '-cf', join(dir, 'root.tar'), '.'])
  t.equal((await strata(d, ['import', join(dir, 'root.tar'), 'base:1'])).code, 0)

  const raw = await strata(d, ['history', '-H=false', '--format', '{{.Size}} {{.CreatedSince}}', 'base:1'])
  t.equal(raw.code, 0, raw.stderr)
  t.match(raw.stdout, /^[0-9]+ [0-9]{4}-[0-9]{2}-[0-9]{2}T\S+\n$/, 'bytes and dates, not human')
  t.equal(
    (await strata(d, ['image', 'history', '--human=0', '--format', '{{.Size}}', 'base:1'])).stdout,
    raw.stdout.split(' ')[0] + '\n',
  )
  const human = await strata(d, ['history', '-H', '--format', '{{.CreatedSince}}', 'base:1'])
  t.equal(human.code, 0, `-H IMAGE: the image is an argument, not -H's value (${human.stderr})`)
  t.match(human.stdout, / ago\n$/)
  const bad = await strata(d, ['history', '-H=maybe', 'base:1'])
  t.equal(bad.code, 125)
  t.match(bad.stderr, /strconv\.ParseBool: parsing "maybe": invalid syntax/)
  const extra = await strata(d, ['history', '-H', 'false', 'base:1'])
  t.equal(extra.code, 125, "-H false IMAGE: 'false' is an argument, as in Docker")

  const other = join(tmpdir(t), 'none.sock')
  const viaHost = await strata(null, ['-H', `unix://${d.socket}`, 'history', '-H=false', '-q', 'base:1'])
  t.equal(viaHost.code, 0, viaHost.stderr)
  t.match(viaHost.stdout, /^[0-9a-f]{12}\n$/)
  const wrongHost = await strata(d, ['-H', other, 'history', 'base:1'])
  t.equal(wrongHost.code, 1)
  t.match(wrongHost.stderr, new RegExp(`^Error: cannot connect to stratad at ${other}`))

  const id = (await strata(d, ['create', '--name', 'box', 'base:1'])).stdout.trim()
  t.equal((await strata(d, ['ps', '-a', '-q'])).stdout, `${id.slice(0, 12)}\n`, 'ps -a -q')
  t.equal((await strata(d, ['ps', '-qa', '-f', 'name=box'])).stdout, `${id.slice(0, 12)}\n`, 'ps -qa -f')
  t.equal((await strata(d, ['images', '-a', '-q', '-f', 'reference=base:*'])).code, 0, 'images -a -q -f')
  t.equal((await strata(d, ['inspect', '-f', '{{.Name}}', 'box'])).stdout, '/box\n', 'inspect -f')
  const committed = await strata(d, ['commit', '-p', 'box', 'new:1'])
  t.equal(committed.code, 0, `commit -p CONTAINER REF: the container is not -p's value (${committed.stderr})`)
  t.equal((await strata(d, ['commit', '-p=false', 'box', 'new:2'])).code, 0, 'commit -p=false')
  t.equal((await strata(d, ['rm', '-f', 'box'])).stdout, 'box\n', 'rm -f')
})
