/**
 * contentSize counts what Docker's layer DiffSize counts: file and symlink sizes, hard links
 * once, nothing for directories, whiteouts and empty files.
 */
import { linkSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { contentSize } from '../../../daemon/content-size.js'
import { constants, mkwhiteout } from '../../../native-bindings/index.js'
import { tmpdir } from '../../helpers/tmpdir.js'

t.test('files and symlink targets count, directories and hard links again do not', async (t) => {
  const dir = tmpdir(t)
  t.equal(contentSize(dir), 0, 'an empty layer')
  mkdirSync(join(dir, 'etc/deep/er'), { recursive: true })
  writeFileSync(join(dir, 'etc/hosts'), 'x'.repeat(27))
  writeFileSync(join(dir, 'etc/deep/er/empty'), '')
  linkSync(join(dir, 'etc/hosts'), join(dir, 'etc/hosts.link'))
  symlinkSync('hosts', join(dir, 'etc/alias'))
  t.equal(contentSize(dir), 27 + 'hosts'.length)
})

t.test('a whiteout counts nothing', { skip: process.getuid?.() !== 0 && 'mknod needs root' }, async (t) => {
  const dir = tmpdir(t)
  writeFileSync(join(dir, 'f'), 'abc')
  mkwhiteout(constants.AT_FDCWD, join(dir, 'gone'))
  t.equal(contentSize(dir), 3)
})
