import t from 'tap'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { constants, mount, umount2 } from '../../../native-bindings/index.js'
import { tmpdir } from '../../helpers/tmpdir.js'

const mounted = (dir: string) => readFileSync('/proc/self/mountinfo', 'utf8').includes(` ${dir} `)

t.test('mount and umount2 a tmpfs', async (t) => {
  const dir = tmpdir(t)
  mount('strata-test', dir, 'tmpfs', constants.MS_NOSUID | constants.MS_NODEV, 'size=1m,mode=0755')
  t.teardown(() => {
    if (mounted(dir)) umount2(dir, constants.MNT_DETACH)
  })
  t.ok(mounted(dir))
  writeFileSync(join(dir, 'f'), 'x')
  umount2(dir)
  t.notOk(mounted(dir))
})

t.test('errors name the target', async (t) => {
  const dir = tmpdir(t)
  t.throws(() => umount2(dir), { code: 'EINVAL', syscall: 'umount2', path: dir })
  t.throws(() => mount('x', join(dir, 'missing'), 'tmpfs', 0, ''), { code: 'ENOENT', syscall: 'mount' })
  t.throws(() => mount('x', dir, 'no-such-fs', 0, ''), { code: 'ENODEV' })
})
