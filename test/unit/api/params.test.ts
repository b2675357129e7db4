import t from 'tap'
import type { ContainerCommitParams, MountCreateParams, MountSpec } from '../../../client/protocol.js'
import {
  checkParams,
  nested,
  nonEmpty,
  onlyIfTrue,
  optionalPath,
  optionalText,
  textList,
  unlessFalse,
} from '../../../daemon/api/params.js'

const commit = (params: unknown) =>
  checkParams<ContainerCommitParams>(params, 'container.commit', {
    container: nonEmpty,
    ref: optionalText,
    author: optionalText,
    message: optionalText,
    changes: textList,
    pause: unlessFalse,
  })

t.test('params come out as their protocol type, unknown fields dropped', async (t) => {
  t.same(commit({ container: 'c1', ref: 'r:1', changes: ['CMD x', 3], pause: false, extra: 1 }), {
    container: 'c1',
    ref: 'r:1',
    author: undefined,
    message: undefined,
    changes: ['CMD x', '3'],
    pause: false,
  })
  t.match(commit({ container: 'c1', ref: '', author: 7, changes: 'CMD x' }), {
    ref: undefined,
    author: undefined,
    changes: undefined,
    pause: true,
  })
})

t.test('a missing required field or a params that is not a map is INVALID_ARGUMENT', async (t) => {
  t.throws(() => commit({}), {
    code: 'INVALID_ARGUMENT',
    message: 'container.commit: container must be a non-empty string',
  })
  t.throws(() => commit([]), { code: 'INVALID_ARGUMENT', message: 'container.commit: params must be a map' })
  t.throws(() => commit(null), { code: 'INVALID_ARGUMENT' })
})

t.test('nested maps are checked field by field', async (t) => {
  const spec = nested<MountSpec>({
    lowerdirs: (v, k, m) => textList(v, k, m) ?? [],
    upperdir: optionalPath,
    workdir: optionalPath,
    journal: optionalPath,
    readonly: onlyIfTrue,
  })
  const create = (params: unknown) =>
    checkParams<MountCreateParams>(params, 'mount.create', { target: nonEmpty, spec, volatile: onlyIfTrue })
  t.same(create({ target: '/m', spec: { lowerdirs: ['/l'], upperdir: '/u', workdir: '/w' } }), {
    target: '/m',
    spec: { lowerdirs: ['/l'], upperdir: '/u', workdir: '/w', journal: undefined, readonly: false },
    volatile: false,
  })
  t.throws(() => create({ target: '/m', spec: 'x' }), {
    code: 'INVALID_ARGUMENT',
    message: 'mount.create: spec must be a map',
  })
  t.throws(() => create({ target: '/m', spec: { lowerdirs: [], upperdir: 1 } }), {
    code: 'INVALID_ARGUMENT',
    message: 'upperdir must be an absolute path',
  })
  t.same(
    create({ target: '/m', spec: { lowerdirs: 'x' } }).spec.lowerdirs,
    [],
    'not a list: none (the supervisor refuses)',
  )
})
