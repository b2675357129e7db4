/**
 * Registry logins are each user's own, as Docker keeps them: root and a real non-root member of
 * the socket's group (made with useradd for this test, removed at teardown) log in to a real
 * docker-registry with htpasswd auth through the CLI and a real stratad. Neither's login is used
 * by the other's pull, and the member's logout leaves root's login working. A data root holding
 * the daemon-wide logins of an older stratad gets a warning at start.
 */
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chownSync, chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { runPiped, type PipedRun } from '../helpers/cli.js'
import { startDaemon, STRATA_CLI, type Daemon } from '../helpers/daemon.js'
import { legacyDockerArchive, type TestImage } from '../helpers/image-archive.js'
import { startRegistry } from '../helpers/registry.js'
import { chunks, tar } from '../helpers/tar-builder.js'
import { tmpdir } from '../helpers/tmpdir.js'

const APP: TestImage = { layers: [tar([{ file: 'opt/app', body: 'app\n' }])], tags: ['app:1'] }

interface User {
  name: string
  uid: number
  gid: number
  home: string
}

/** A group and a user in it, both removed at teardown (also when the test fails). */
function makeUser(t: Test): { user: User; group: string } {
  const tag = randomBytes(4).toString('hex')
  const group = `stg-${tag}`
  const name = `stu-${tag}`
  execFileSync('groupadd', [group])
  t.teardown(() => void execFileSync('groupdel', [group]))
  execFileSync('useradd', ['--no-create-home', '--gid', group, '--shell', '/usr/sbin/nologin', name])
  t.teardown(() => void execFileSync('userdel', [name]))
  const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }))
  const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }))
  const home = tmpdir(t, 'strata-home-')
  chownSync(home, uid, gid)
  chmodSync(home, 0o700)
  return { user: { name, uid, gid, home }, group }
}

/** The CLI as root (HOME `home`) or as `user`, with a clean environment and optional stdin. */
function strata(d: Daemon, who: User | { home: string }, args: string[], input = ''): Promise<PipedRun> {
  const env = [`HOME=${who.home}`, `STRATA_SOCKET=${d.socket}`, `PATH=${process.env.PATH ?? '/usr/bin:/bin'}`]
  const cli = ['env', '-i', ...env, process.execPath, STRATA_CLI, ...args]
  const [cmd, ...rest] =
    'uid' in who ? ['setpriv', `--reuid=${who.uid}`, `--regid=${who.gid}`, '--init-groups', ...cli] : cli
  return runPiped(cmd as string, rest, input)
}

t.test("root's login and a member's login are each their own", async (t) => {
  const { user: member, group } = makeUser(t)
  const reg = await startRegistry(t, { users: { ann: 'secret', bob: 'hunter2' } })
  const d = await startDaemon(t, { args: ['--group', group] })
  const c = await d.connect()
  t.teardown(() => c.close())
  const name = `${reg.host}/private/app:1`
  await c.call('image.load', {}, { upload: chunks(legacyDockerArchive([APP]), 1 << 20) })
  await c.call('image.tag', { source: 'app:1', target: name })
  const root = { home: tmpdir(t, 'strata-home-') }
  const rootConfig = join(root.home, '.strata', 'config.json')

  const annIn = await strata(d, root, ['login', '-u', 'ann', '--password-stdin', reg.host], 'secret\n')
  t.same(annIn, {
    code: 0,
    stdout: 'Login Succeeded\n',
    stderr: `WARNING! Your password will be stored unencrypted in ${rootConfig}.\n\n`,
  })
  t.equal(statSync(rootConfig).mode & 0o777, 0o600, "root's login is readable by root only")
  t.equal(existsSync(join(d.root, 'registry-auth.json')), false, 'the daemon keeps no login')
  t.equal((await strata(d, root, ['push', name])).code, 0, "root's push uses root's login")

  const denied = await strata(d, member, ['pull', name])
  t.equal(denied.code, 1)
  t.equal(
    denied.stderr,
    `Error response from daemon: ${reg.host} requires credentials: run strata login ${reg.host}\n`,
    "a member's pull does not get root's login",
  )
  t.same(await strata(d, member, ['logout', reg.host]), {
    code: 0,
    stdout: `Not logged in to ${reg.host}\n`,
    stderr: '',
  })
  t.match(JSON.parse(readFileSync(rootConfig, 'utf8')), { auths: { [reg.host]: { auth: /./ } } })
  await c.call('image.remove', { image: name })
  const rootPull = await strata(d, root, ['pull', name])
  t.equal(rootPull.code, 0, "root's login still works after the member's logout")

  const wrong = await strata(d, member, ['login', '-u', 'bob', '--password-stdin', reg.host], 'nope\n')
  t.equal(wrong.code, 1)
  t.match(wrong.stderr, /^Error response from daemon: login as bob failed: /)
  t.equal(existsSync(join(member.home, '.strata')), false, 'a refused login keeps nothing')
  const bobIn = await strata(d, member, ['login', '-u', 'bob', '--password-stdin', reg.host], 'hunter2\n')
  t.equal(bobIn.code, 0, bobIn.stderr)
  t.equal(bobIn.stdout, 'Login Succeeded\n')
  const memberConfig = statSync(join(member.home, '.strata', 'config.json'))
  t.same([memberConfig.uid, memberConfig.mode & 0o777], [member.uid, 0o600], "the member's own file")
  const memberPull = await strata(d, member, ['pull', name])
  t.equal(memberPull.code, 0, memberPull.stderr)

  t.same(await strata(d, root, ['logout', reg.host]), {
    code: 0,
    stdout: `Removing login credentials for ${reg.host}\n`,
    stderr: '',
  })
  t.equal((await strata(d, root, ['pull', name])).code, 1, 'root is logged out')
  t.equal((await strata(d, member, ['pull', name])).code, 0, "the member's login is untouched")
})

t.test('daemon-wide logins an older stratad kept are not used, and start says so', async (t) => {
  const root = join(tmpdir(t, 'strata-old-root-'), 'root')
  mkdirSync(root)
  writeFileSync(join(root, 'registry-auth.json'), JSON.stringify({ 'reg.lan': { auth: 'YTpi' } }), { mode: 0o600 })
  const d = await startDaemon(t, { root })
  t.ok(
    d.logs.some((l) => l.includes('registry-auth.json holds daemon-wide registry logins, which are no longer used')),
    'a warning names the file',
  )
})
