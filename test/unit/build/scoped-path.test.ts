import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { resolveInRoot } from '../../../daemon/build/scoped-path.js'
import { tmpdir } from '../../helpers/tmpdir.js'

t.test('symlinks are followed inside the root, never out of it', async (t) => {
  const root = tmpdir(t)
  mkdirSync(join(root, 'etc'))
  writeFileSync(join(root, 'etc/passwd'), 'x')
  symlinkSync('/etc', join(root, 'abs'))
  symlinkSync('../../../../etc', join(root, 'up'))
  symlinkSync('loop', join(root, 'loop'))
  symlinkSync('/abs/passwd', join(root, 'file'))
  t.equal(resolveInRoot(root, '/abs/passwd'), join(root, 'etc/passwd'), 'an absolute target starts at the root')
  t.equal(resolveInRoot(root, 'up/passwd'), join(root, 'etc/passwd'), '.. stops at the root')
  t.equal(resolveInRoot(root, '/../../x'), join(root, 'x'))
  t.equal(resolveInRoot(root, '/file'), join(root, 'etc/passwd'))
  t.equal(resolveInRoot(root, '/file', false), join(root, 'file'), 'the last link is kept when asked')
  t.equal(resolveInRoot(root, '/new/dir/'), join(root, 'new/dir'), 'missing parts are taken as they are')
  t.throws(() => resolveInRoot(root, '/loop/x'), { code: 'INVALID_ARGUMENT' })
})
