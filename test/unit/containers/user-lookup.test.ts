import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { resolveUser } from '../../../daemon/containers/user-lookup.js'
import { tmpdir } from '../../helpers/tmpdir.js'

function rootfs(t: Parameters<typeof tmpdir>[0], files: Record<string, string>): string {
  const root = tmpdir(t)
  mkdirSync(join(root, 'etc'))
  for (const [name, text] of Object.entries(files)) writeFileSync(join(root, 'etc', name), text)
  return root
}

const PASSWD = 'root:x:0:0:root:/root:/bin/sh\nann:x:1000:1000:Ann:/home/ann:/bin/sh\nbad line\n'
const GROUP = 'root:x:0:\nann:x:1000:\nstaff:x:50:ann,bob\nwheel:x:10:bob\n'

t.test('names and numbers, with the user’s groups as supplementary gids', async (t) => {
  const root = rootfs(t, { passwd: PASSWD, group: GROUP })
  t.same(resolveUser(root, ''), { uid: 0, gid: 0, additionalGids: [], home: '/root' }, 'root by default')
  t.same(resolveUser(root, 'ann'), { uid: 1000, gid: 1000, additionalGids: [50], home: '/home/ann' })
  t.same(resolveUser(root, '1000'), { uid: 1000, gid: 1000, additionalGids: [50], home: '/home/ann' })
  t.same(resolveUser(root, 'ann:wheel'), { uid: 1000, gid: 10, additionalGids: [], home: '/home/ann' })
  t.same(
    resolveUser(root, '4242:77'),
    { uid: 4242, gid: 77, additionalGids: [], home: '/' },
    'unknown numbers as they are',
  )
  t.throws(() => resolveUser(root, 'nobody'), { code: 'INVALID_ARGUMENT', message: /unable to find user nobody/ })
  t.throws(() => resolveUser(root, 'ann:nogroup'), {
    code: 'INVALID_ARGUMENT',
    message: /unable to find group nogroup/,
  })
})

t.test('no passwd file: numbers only; a symlink out of the root is read inside it', async (t) => {
  const empty = tmpdir(t)
  t.same(resolveUser(empty, '5'), { uid: 5, gid: 0, additionalGids: [], home: '/' })
  t.throws(() => resolveUser(empty, 'ann'), { code: 'INVALID_ARGUMENT' })
  const root = tmpdir(t)
  mkdirSync(join(root, 'etc'))
  symlinkSync('/etc/passwd', join(root, 'etc/passwd')) // the host's, if it were followed
  t.throws(() => resolveUser(root, 'root'), { code: 'INVALID_ARGUMENT' }, 'the host’s passwd is never read')
})
