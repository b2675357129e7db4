import { lstatSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { makeWorkdir } from '../../../daemon/build/workdir-step.js'
import { tmpdir } from '../../helpers/tmpdir.js'

t.test('a missing WORKDIR is made with its parents: 0755, root, whatever the umask', async (t) => {
  const root = tmpdir(t)
  const umask = process.umask(0o077)
  try {
    t.equal(makeWorkdir(root, '/a/b/c'), true)
  } finally {
    process.umask(umask)
  }
  for (const d of ['a', 'a/b', 'a/b/c']) {
    const st = lstatSync(join(root, d))
    t.ok(st.isDirectory(), d)
    t.equal(st.mode & 0o7777, 0o755, `${d}: got mode ${(st.mode & 0o7777).toString(8)}, want 755`)
    t.same([st.uid, st.gid], [0, 0], `${d} is root's`)
  }
})

t.test('a directory already there is left as it is', async (t) => {
  const root = tmpdir(t)
  mkdirSync(join(root, 'srv/app'), { recursive: true, mode: 0o700 })
  t.equal(makeWorkdir(root, '/srv/app'), false, 'nothing made')
  t.equal(lstatSync(join(root, 'srv/app')).mode & 0o777, 0o700, 'its mode untouched')
  t.equal(makeWorkdir(root, '/'), false, 'the root is always there')
})

t.test('symlinks are followed inside the root; a file in the way is INVALID_ARGUMENT', async (t) => {
  const root = tmpdir(t)
  mkdirSync(join(root, 'real'))
  symlinkSync('/real', join(root, 'link'))
  symlinkSync('../../../../../tmp-out', join(root, 'out'))
  t.equal(makeWorkdir(root, '/link/sub'), true)
  t.same(readdirSync(join(root, 'real')), ['sub'], 'made through the link, inside the root')
  makeWorkdir(root, '/out/x')
  t.ok(lstatSync(join(root, 'tmp-out/x')).isDirectory(), '.. stops at the root')
  writeFileSync(join(root, 'file'), 'x')
  t.throws(() => makeWorkdir(root, '/file/sub'), {
    code: 'INVALID_ARGUMENT',
    message: /\/file exists and is not a directory/,
  })
})
