/**
 * Issue 15 item 7, through a real stratad: params of the wrong type are INVALID_ARGUMENT naming
 * the field, for every method (nothing runs on them: no default mount path, no generated name, no
 * first character of a string, no INTERNAL); mount.list leaves out a field it has no value for;
 * an image without a created time lists as N/A; a refused login names the user.
 */
import { execFile } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t, { type Test } from 'tap'
import type { StrataClient } from '../../client/client.js'
import { PARAMS, type FieldSchema, type MethodName } from '../../client/protocol.js'
import { startDaemon, STRATA_CLI, type Daemon } from '../helpers/daemon.js'
import { ociLayout } from '../helpers/image-archive.js'
import { startRegistry } from '../helpers/registry.js'
import { chunks, tar } from '../helpers/tar-builder.js'
import { tmpdir } from '../helpers/tmpdir.js'

const LAYER = tar([{ dir: 'etc/' }, { file: 'etc/hello', body: 'hi\n' }])

async function daemon(t: Test): Promise<{ d: Daemon; c: StrataClient }> {
  const d = await startDaemon(t)
  const c = await d.connect()
  t.teardown(() => c.close())
  return { d, c }
}

/** An image `base:1` and a container `web` on it. */
async function withContainer(c: StrataClient): Promise<void> {
  await c.call('image.import', { ref: 'base:1' }, { upload: chunks(LAYER) })
  await c.call('container.create', { image: 'base:1', name: 'web' })
}

t.test('the issue cases: each refused, naming the field, and nothing done', async (t) => {
  const { d, c } = await daemon(t)
  await withContainer(c)
  const refused = (method: string, params: unknown, message: RegExp) =>
    t.rejects(c.callRaw(method, params), { code: 'INVALID_ARGUMENT', message }, `${method} ${JSON.stringify(params)}`)
  await refused('container.mount', { container: 'web', target: 5 }, /container\.mount: target must be a string/)
  t.same(await c.call('mount.list', {}), [], 'not mounted at the default path')
  await refused('container.create', { image: 'base:1', name: {} }, /container\.create: name must be a string/)
  t.equal((await c.call('container.list', { all: true })).length, 1, 'no container with a generated name')
  await refused('container.list', { all: true, filters: { ancestor: 'base:1' } }, /filters\.ancestor must be a list/)
  await refused('image.list', { filters: { label: [1, {}] } }, /image\.list: filters\.label\[0\] must be a string/)
  t.notOk(
    d.logs.some((l) => l.includes('answering INTERNAL')),
    'no INTERNAL answer logged',
  )
})

/** For each kind of field: a value of that kind, and one of another kind. */
const GOOD: Record<string, unknown> = {
  string: 'x',
  'string?': 'x',
  boolean: false,
  'boolean?': false,
  strings: ['x'],
  'strings?': ['x'],
  'filters?': {},
  'number?': 1,
  'auths?': {},
}
const WRONG: Record<string, unknown> = {
  string: 5,
  'string?': 5,
  boolean: 'yes',
  'boolean?': 'yes',
  strings: 'x',
  'strings?': ['x', 7],
  'filters?': ['x'],
  'number?': '1',
  'auths?': { r: 'x' },
}
const good = (k: FieldSchema): unknown =>
  typeof k === 'object' ? Object.fromEntries(Object.entries(k.fields).map(([f, kk]) => [f, good(kk)])) : GOOD[k]
const bad = (k: FieldSchema): unknown => (typeof k === 'object' ? 'x' : WRONG[k])

t.test('every method checks every field before it runs', async (t) => {
  const { c } = await daemon(t)
  let calls = 0
  for (const [method, schema] of Object.entries(PARAMS) as Array<[MethodName, Record<string, FieldSchema>]>) {
    await t.rejects(c.callRaw(method, ['not', 'a', 'map']), {
      code: 'INVALID_ARGUMENT',
      message: `${method}: params must be a map (got a list)`,
    })
    calls++
    const valid = Object.fromEntries(Object.entries(schema).map(([f, k]) => [f, good(k)]))
    for (const [field, kind] of Object.entries(schema)) {
      const err = await c.callRaw(method, { ...valid, [field]: bad(kind) }).then(
        () => undefined,
        (e: unknown) => e,
      )
      t.match(err, { code: 'INVALID_ARGUMENT', message: new RegExp(`^${method}: ${field}\\b`) }, `${method} ${field}`)
      calls++
    }
  }
  t.ok(calls > 80, `${calls} refused calls`)
  t.same(await c.call('image.list', { all: true }), [], 'nothing was made by any of them')
  t.same(await c.call('container.list', { all: true }), [])
})

t.test('mount.list leaves out the error of a mount that has none', async (t) => {
  const { c } = await daemon(t)
  const dir = tmpdir(t, 'strata-mnt-')
  const [lower, upper, work, mnt] = ['lower', 'upper', 'work', 'mnt'].map((n) => join(dir, n)) as [
    string,
    string,
    string,
    string,
  ]
  for (const p of [lower, upper, work, mnt]) mkdirSync(p)
  writeFileSync(join(lower, 'f'), 'x')
  await c.call('mount.create', {
    target: mnt,
    spec: { lowerdirs: [lower], upperdir: upper, workdir: work, readonly: false },
  })
  const [m] = await c.call('mount.list', {})
  t.equal(m?.state, 'serving')
  t.notOk(m && 'error' in m, 'no error field at all (got one holding msgpack undefined)')
  await c.call('mount.remove', { mount: mnt })
})

t.test('an image without a created time lists as N/A, not NaN years ago', async (t) => {
  const { d, c } = await daemon(t)
  await c.call(
    'image.load',
    {},
    { upload: chunks(ociLayout([{ layers: [LAYER], tags: ['undated:1'], undated: true }])) },
  )
  const run = async (args: string[]) =>
    (
      await promisify(execFile)(process.execPath, [STRATA_CLI, ...args], {
        env: { ...process.env, STRATA_SOCKET: d.socket },
      })
    ).stdout
  const images = await run(['images', '--format', '{{.Repository}}:{{.Tag}} {{.CreatedSince}}'])
  t.equal(images, 'undated:1 N/A\n')
  t.match(await run(['history', 'undated:1', '--format', '{{.CreatedSince}}']), /^N\/A\n$/)
  t.match(await run(['system', 'df', '-v']), /undated\s+1\s+\S+\s+N\/A/)
})

t.test('a refused login says which user was refused', async (t) => {
  const reg = await startRegistry(t, { users: { ann: 'secret' } })
  const { c } = await daemon(t)
  await t.rejects(c.call('registry.login', { host: reg.host, username: 'ann', password: 'wrong' }), {
    code: 'PERMISSION_DENIED',
    message: `login as ann failed: ${reg.host} refused the credentials`,
  })
})
