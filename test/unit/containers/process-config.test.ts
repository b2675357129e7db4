import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { processConfig } from '../../../daemon/containers/process-config.js'
import { tmpdir } from '../../helpers/tmpdir.js'

const ID = 'ab'.repeat(32)

function rootfs(t: Parameters<typeof tmpdir>[0]): string {
  const root = tmpdir(t)
  mkdirSync(join(root, 'etc'))
  writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\napp:x:100:101::/srv:/bin/sh\n')
  writeFileSync(join(root, 'etc/group'), 'root:x:0:\napp:x:101:\n')
  return root
}

t.test('the image’s config, overridden as docker run does', async (t) => {
  const root = rootfs(t)
  const image = {
    Entrypoint: ['/entry'],
    Cmd: ['serve'],
    Env: ['PATH=/app/bin', 'A=1'],
    WorkingDir: '/srv',
    User: 'app',
  }
  const p = processConfig(ID, root, image, {})
  t.same(p.args, ['/entry', 'serve'])
  t.same(p.env, ['PATH=/app/bin', `HOSTNAME=${ID.slice(0, 12)}`, 'A=1', 'HOME=/srv'])
  t.equal(p.cwd, '/srv')
  t.same(p.user, { uid: 100, gid: 101, additionalGids: [] })
  t.equal(p.network, 'none')
  t.same(processConfig(ID, root, image, { cmd: ['x', 'y'] }).args, ['/entry', 'x', 'y'], 'CMD replaces Cmd')
  const tty = processConfig(ID, root, image, { tty: true, openStdin: true })
  t.match(tty, { tty: true, openStdin: true }, '-t and -i are kept')
  t.equal(tty.env.at(-1), 'TERM=xterm', 'TERM with -t, as Docker')
  t.equal(processConfig(ID, root, image, { tty: true, env: ['TERM=vt100'] }).env.at(-1), 'HOME=/srv', 'unless set')
  t.match(p, { tty: false, openStdin: false })
  t.same(processConfig(ID, root, image, { entrypoint: '/bin/sh' }).args, ['/bin/sh'], '--entrypoint drops Cmd')
  t.same(processConfig(ID, root, image, { entrypoint: '', cmd: ['ls'] }).args, ['ls'], "--entrypoint '' clears it")
  const o = processConfig(ID, root, image, {
    env: ['A=2', 'B=3', 'UNSET'],
    workdir: '/tmp/../w',
    user: '0',
    hostname: 'h',
  })
  t.same(o.env, ['PATH=/app/bin', 'HOSTNAME=h', 'A=2', 'B=3', 'HOME=/root'])
  t.equal(o.cwd, '/w')
  t.same(o.user, { uid: 0, gid: 0, additionalGids: [] })
})

t.test('bad input is INVALID_ARGUMENT', async (t) => {
  const root = rootfs(t)
  const bad = { code: 'INVALID_ARGUMENT' }
  t.throws(() => processConfig(ID, root, {}, {}), { ...bad, message: /No command specified/ })
  t.throws(() => processConfig(ID, root, {}, { cmd: ['x'], network: 'bridge' }), bad)
  t.throws(() => processConfig(ID, root, {}, { cmd: ['x'], workdir: 'rel' }), bad)
  t.throws(() => processConfig(ID, root, {}, { cmd: ['x'], volumes: ['/nonexistent-dir-xyz:/x'] }), bad)
  t.throws(() => processConfig(ID, root, {}, { cmd: ['x'], volumes: [`${root}:rel`] }), bad)
  t.throws(() => processConfig(ID, root, {}, { cmd: ['x'], volumes: [`${root}:/x:rx`] }), bad)
  t.same(processConfig(ID, root, {}, { cmd: ['x'], volumes: [`${root}:/x/:ro`] }).binds, [
    { source: root, destination: '/x', readOnly: true },
  ])
})
