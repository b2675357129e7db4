import { mkdirSync, symlinkSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { checkTarget, resolvePath, type TargetRules } from '../../../daemon/mounts/mount-target.js'
import { tmpdir } from '../../helpers/tmpdir.js'

t.test('resolvePath resolves symlinks in the part that exists and keeps the rest', async (t) => {
  const dir = tmpdir(t)
  mkdirSync(join(dir, 'real'))
  symlinkSync(join(dir, 'real'), join(dir, 'link'))
  t.equal(resolvePath(join(dir, 'link')), join(dir, 'real'))
  t.equal(resolvePath(join(dir, 'link', 'not', 'yet')), join(dir, 'real', 'not', 'yet'))
  t.equal(resolvePath(join(dir, 'link', '..', 'link', 'x')), join(dir, 'real', 'x'))
  symlinkSync('/etc', join(dir, 'to-etc'))
  t.equal(resolvePath(join(dir, 'to-etc', 'new')), '/etc/new')
})

t.test('what a mount may not cover, and what it may', async (t) => {
  const dir = tmpdir(t)
  const rules: TargetRules = {
    root: join(dir, 'root'),
    protect: [join(dir, 'run', 'strata.sock')],
    served: [join(dir, 'l'), join(dir, 'c', 'upper'), join(dir, 'c', 'work')],
    ownPlace: false,
  }
  const refused: Array<[string, RegExp]> = [
    ['/', /system directory/],
    ['/proc/1', /in \/proc/],
    ['/sys', /in \/sys/],
    ['/dev/shm/x', /in \/dev/],
    ['/etc', /in \/etc/],
    ['/usr/local/mnt', /in \/usr/],
    ['/boot/efi', /in \/boot/],
    ['/lib64/x', /in \/lib64/],
    ['/var', /system directory/],
    ['/var/lib', /system directory/],
    ['/run', /system directory/],
    ['/run/systemd', /system directory/],
    ['/tmp', /system directory/],
    ['/home', /system directory/],
    [join(dir, 'root'), /is the data root/],
    [join(dir, 'root', 'containers', 'x', 'upper'), /inside the data root/],
    [dir, /would cover the data root/],
    [join(dir, 'run'), /daemon's/],
    [join(dir, 'l'), /is the layer directory/],
    [join(dir, 'l', 'sub'), /inside .* which it serves/],
    [join(dir, 'c'), /would cover .*upper/],
  ]
  for (const [target, why] of refused)
    t.throws(() => checkTarget(target, rules), { code: 'INVALID_ARGUMENT', message: why }, target)
  for (const target of ['/mnt', '/mnt/web', '/media/x', '/srv/web-root', '/var/lib/web/rootfs', '/run/x/y', '/tmp/m'])
    t.doesNotThrow(() => checkTarget(target, rules), target)
  const own = { ...rules, ownPlace: true }
  t.doesNotThrow(() => checkTarget(join(dir, 'root', 'containers', 'x', 'merged'), own), 'a place the daemon chose')
  t.throws(() => checkTarget(join(dir, 'root'), own), { message: /is the data root/ }, 'but never the root itself')
})
