import { existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { containerPaths, makeLayout } from '../../../daemon/containers/paths.js'
import { tmpdir } from '../../helpers/tmpdir.js'

t.test('every path of a container is inside its directory, named as the worker and diff expect', async (t) => {
  const p = containerPaths('/root/containers/abc')
  t.same(p, {
    dir: '/root/containers/abc',
    upper: '/root/containers/abc/upper',
    work: '/root/containers/abc/work',
    journal: '/root/containers/abc/journal',
    merged: '/root/containers/abc/merged',
    empty: '/root/containers/abc/empty',
    bundle: '/root/containers/abc/bundle',
    stdout: '/root/containers/abc/stdout.log',
    stderr: '/root/containers/abc/stderr.log',
    exit: '/root/containers/abc/exit',
    runtimeLog: '/root/containers/abc/runtime.log',
    stdin: '/root/containers/abc/stdin',
    init: '/root/containers/abc/init',
    hostname: '/root/containers/abc/hostname',
    hosts: '/root/containers/abc/hosts',
    resolv: '/root/containers/abc/resolv.conf',
  })
})

t.test('a new layout has upper/ and work/ only', async (t) => {
  const dir = join(tmpdir(t), 'c')
  makeLayout(dir)
  const p = containerPaths(dir)
  t.ok(statSync(p.upper).isDirectory(), 'upper/')
  t.ok(statSync(p.work).isDirectory(), 'work/')
  for (const absent of [p.journal, p.merged, p.empty]) t.notOk(existsSync(absent), `no ${absent} yet`)
  t.doesNotThrow(() => makeLayout(dir), 'making it again is harmless')
})
