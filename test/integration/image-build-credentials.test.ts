/**
 * `strata build` pulls its base image from a registry that needs a login (Debian's
 * docker-registry with htpasswd auth on loopback) with the user's own login: the CLI sends the
 * logins of the user's config.json with the call, as Docker's CLI does. Without a login, or with a
 * wrong password, the build fails naming the registry and leaves no image; with the login it pulls
 * and builds; the daemon keeps nothing, so the next build without a login fails again.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { startRegistry } from '../helpers/registry.js'
import { importBusybox, strata, runDaemon } from '../helpers/run-fixtures.js'
import { tmpdir } from '../helpers/tmpdir.js'

const { d, client } = await runDaemon(t, { busybox: false })
const reg = await startRegistry(t, { users: { ann: 'secret' } })
const base = `${reg.host}/private/bb:1`
await importBusybox(t, client)
await client.call('image.tag', { source: 'bb:run', target: base })
await client.call('image.push', { ref: base, auth: { username: 'ann', password: 'secret' } })
await client.call('image.remove', { image: base })
await client.call('image.remove', { image: 'bb:run' })

/** A user's CLI config directory, holding a login for the registry when `password` is given. */
function user(password?: string): NodeJS.ProcessEnv {
  const dir = join(tmpdir(t, 'strata-build-home-'), '.strata')
  mkdirSync(dir, { mode: 0o700 })
  if (password !== undefined) {
    const auth = Buffer.from(`ann:${password}`).toString('base64')
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ auths: { [reg.host]: { auth } } }), { mode: 0o600 })
  }
  return { STRATA_CLI_CONFIG: dir }
}
const ctx = join(tmpdir(t, 'strata-build-cred-'))
writeFileSync(join(ctx, 'Dockerfile'), `FROM ${base}\nRUN echo built > /x\n`)
const build = (env: NodeJS.ProcessEnv) => strata(d.socket, ['build', '-t', 'cred:1', ctx], env)
const imageCount = async () => (await client.call('image.list', { all: true })).length

t.test('no login, or a wrong one: the build fails naming the registry, no image left', async (t) => {
  for (const env of [user(), user('wrong')]) {
    const r = await build(env)
    t.equal(r.code, 1)
    t.match(r.stderr, reg.host, 'the message names the registry')
    t.equal(await imageCount(), 0)
  }
})

t.test("with the user's login the base is pulled and built on; the daemon keeps none", async (t) => {
  const r = await build(user('secret'))
  t.equal(r.code, 0, r.stderr)
  t.match(r.stdout, new RegExp(`Step 1/2 : FROM ${base}\\n1: Pulling from private/bb\\n`))
  t.match(await strata(d.socket, ['run', '--rm', 'cred:1', 'cat', '/x']), { code: 0, stdout: 'built\n' })
  await client.call('image.remove', { image: 'cred:1' })
  await client.call('image.remove', { image: base })
  t.equal(await imageCount(), 0)
  const again = await build(user())
  t.equal(again.code, 1, 'no login kept from the last build')
  t.equal(await imageCount(), 0)
})
