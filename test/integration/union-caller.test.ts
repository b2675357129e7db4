/**
 * Callers that are not root, against kernel overlayfs: a process running as uid/gid 1000 (setpriv)
 * creates entries through the kernel mount, and the engine is called with the same caller;
 * owners, groups (setgid directories included) and modes must match, in the merged view and upper/.
 */
import t from 'tap'
import { execFileSync } from 'node:child_process'
import { dir } from '../helpers/fixtures.js'
import { compareViews, setUp } from '../suites/union.js'

process.umask(0)

t.test('entries made by uid 1000 belong to it, in plain and setgid directories', async (t) => {
  const s = await setUp(t, [
    [dir('pub', { mode: 0o777 }), dir('sg', { mode: 0o2777, gid: 50 }), dir('own', { mode: 0o755 })],
  ])
  const script =
    'umask 022; echo a > pub/f; mkdir pub/d; ln -s f pub/l; mkfifo pub/p; echo b > sg/f; mkdir sg/d; touch own/x 2>/dev/null || true'
  execFileSync('setpriv', ['--reuid=1000', '--regid=1000', '--clear-groups', 'sh', '-c', script], { cwd: s.mnt })
  const caller = { uid: 1000, gid: 1000 }
  s.ov.create('pub/f', 0o644, caller)
  s.ov.mkdir('pub/d', 0o755, caller)
  s.ov.symlink('f', 'pub/l', caller)
  s.ov.mknod('pub/p', 0o10644, 0, 0, caller)
  s.ov.create('sg/f', 0o644, caller)
  s.ov.mkdir('sg/d', 0o755, caller)
  const { writeFileSync } = await import('node:fs')
  writeFileSync(await s.ov.openForWrite('pub/f'), 'a\n')
  writeFileSync(await s.ov.openForWrite('sg/f'), 'b\n')
  compareViews(t, s, 'after uid 1000 made its entries')
  await s.unmount()
})
