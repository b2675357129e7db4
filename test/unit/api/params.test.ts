import t from 'tap'
import { PARAMS, type MethodName } from '../../../client/protocol.js'
import { checkParams, checked, targetParam } from '../../../daemon/api/params.js'
import type { CallContext } from '../../../daemon/rpc/dispatch.js'

t.test('params come out as their protocol type: absent and nil fields left out, unknown ones dropped', async (t) => {
  t.same(
    checkParams('container.commit', {
      container: 'c1',
      ref: 'r:1',
      author: null,
      changes: ['CMD x'],
      pause: false,
      extra: 1,
    }),
    { container: 'c1', ref: 'r:1', changes: ['CMD x'], pause: false },
  )
  t.same(checkParams('container.create', { image: 'busybox', name: '' }), { image: 'busybox', name: '' })
  t.same(checkParams('system.ping', { anything: [1] }), {})
  t.same(checkParams('container.stop', { container: 'c', timeout: 0 }), { container: 'c', timeout: 0 })
})

t.test('a wrong type is INVALID_ARGUMENT naming the method, the field, and what came', async (t) => {
  const wrong = (method: MethodName, params: unknown, message: string) =>
    t.throws(() => checkParams(method, params), { code: 'INVALID_ARGUMENT', message }, message)
  wrong('container.mount', { container: 'c', target: 5 }, 'container.mount: target must be a string (got a number)')
  wrong('container.create', { image: 'i', name: {} }, 'container.create: name must be a string (got a map)')
  wrong('container.create', { name: 'n' }, 'container.create: image must be a non-empty string (got nothing)')
  wrong('image.tag', { source: '', target: 'x' }, 'image.tag: source must be a non-empty string (got an empty string)')
  wrong(
    'container.list',
    { filters: { ancestor: 'busybox' } },
    'container.list: filters.ancestor must be a list of strings (got a string)',
  )
  wrong('image.list', { filters: { label: [1, {}] } }, 'image.list: filters.label[0] must be a string (got a number)')
  wrong('image.list', { filters: ['label=x'] }, 'image.list: filters must be a map of lists of strings (got a list)')
  wrong('image.remove', { image: 'i', force: 'yes' }, 'image.remove: force must be true or false (got a string)')
  wrong('image.save', { images: 'busybox' }, 'image.save: images must be a list of strings (got a string)')
  wrong('image.import', { changes: ['CMD x', 3] }, 'image.import: changes[1] must be a string (got a number)')
  wrong('container.stop', { container: 'c', timeout: '10' }, 'container.stop: timeout must be a number (got a string)')
  wrong(
    'container.stop',
    { container: 'c', timeout: Infinity },
    'container.stop: timeout must be a number (got a number)',
  )
  wrong('container.run', { image: 'i', cmd: 'sh -c x' }, 'container.run: cmd must be a list of strings (got a string)')
  wrong('system.info', [], 'system.info: params must be a map (got a list)')
  wrong('system.info', Buffer.from('x'), 'system.info: params must be a map (got bytes)')
})

t.test('nested maps are checked field by field; a required boolean absent reads false', async (t) => {
  t.same(checkParams('mount.create', { target: '/m', spec: { lowerdirs: ['/l'], upperdir: '/u', workdir: '/w' } }), {
    target: '/m',
    spec: { lowerdirs: ['/l'], upperdir: '/u', workdir: '/w', readonly: false },
  })
  t.throws(() => checkParams('mount.create', { target: '/m', spec: 'x' }), {
    message: 'mount.create: spec must be a map (got a string)',
  })
  t.throws(() => checkParams('mount.create', { target: '/m', spec: { lowerdirs: ['/l'], upperdir: 1 } }), {
    message: 'mount.create: spec.upperdir must be a string (got a number)',
  })
  t.throws(() => checkParams('mount.create', { target: '/m', spec: { lowerdirs: '/l' } }), {
    message: 'mount.create: spec.lowerdirs must be a list of strings (got a string)',
  })
})

t.test('filters keep every name as data, even __proto__', async (t) => {
  const p = checkParams('image.list', JSON.parse('{"filters": {"__proto__": ["x"], "label": ["a=b"]}}'))
  t.same(Object.keys(p.filters ?? {}), ['__proto__', 'label'])
  t.equal(Object.getPrototypeOf(p.filters), null)
})

t.test("build's registry logins: a map of { username, password } by registry, every name data", async (t) => {
  const auths = JSON.parse(
    '{"__proto__": {"username": "a", "password": "b"}, "r:5000": {"username": "c", "password": "d", "x": 1}}',
  )
  const p = checkParams('image.build', { dockerfile: 'FROM x', auths })
  t.same(Object.keys(p.auths ?? {}), ['__proto__', 'r:5000'])
  t.same(p.auths?.['r:5000'], { username: 'c', password: 'd' })
  t.equal(Object.getPrototypeOf(p.auths), null)
  t.throws(() => checkParams('image.build', { dockerfile: 'FROM x', auths: [] }), {
    code: 'INVALID_ARGUMENT',
    message: 'image.build: auths must be a map of registry logins (got a list)',
  })
  t.throws(() => checkParams('image.build', { dockerfile: 'FROM x', auths: { r: { username: 'u' } } }), {
    code: 'INVALID_ARGUMENT',
    message: 'image.build: auths.r.password must be a non-empty string (got nothing)',
  })
})

t.test('every method has a schema, and checked() runs it before the handler', async (t) => {
  t.ok(Object.keys(PARAMS).length >= 31, "registry.logout went in issue 15: logins are the CLI's")
  let seen: unknown
  const def = checked('layer.why', {
    handler: async (p) => {
      seen = p
      return undefined as never
    },
  })
  const ctx = {} as CallContext
  await t.rejects(def.handler({ layer: 7 }, ctx), { code: 'INVALID_ARGUMENT', message: /layer must be/ })
  t.equal(seen, undefined, 'the handler never ran')
  await def.handler({ layer: 'abc', junk: 1 }, ctx)
  t.same(seen, { layer: 'abc' })
})

t.test('a mount path is absolute and, when given, root only', async (t) => {
  t.equal(targetParam(undefined, 1000), undefined)
  t.equal(targetParam('', 1000), undefined, 'empty means the default path')
  t.equal(targetParam('/srv/x', 0), '/srv/x')
  t.throws(() => targetParam('rel', 0), { code: 'INVALID_ARGUMENT' })
  t.throws(() => targetParam('/srv/x', 1000), { code: 'PERMISSION_DENIED' })
})
