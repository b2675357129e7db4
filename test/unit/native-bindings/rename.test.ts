import t from 'tap'
import { lstatSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { constants, renameat2 } from '../../../native-bindings/index.js'
import { tmpdir } from '../../helpers/tmpdir.js'

const CWD = constants.AT_FDCWD

t.test('RENAME_NOREPLACE refuses an existing target', async (t) => {
  const dir = tmpdir(t)
  writeFileSync(join(dir, 'a'), 'a')
  writeFileSync(join(dir, 'b'), 'b')
  t.throws(() => renameat2(CWD, join(dir, 'a'), CWD, join(dir, 'b'), constants.RENAME_NOREPLACE), {
    code: 'EEXIST',
    syscall: 'renameat2',
    path: join(dir, 'a'),
    dest: join(dir, 'b'),
  })
  renameat2(CWD, join(dir, 'a'), CWD, join(dir, 'c'), constants.RENAME_NOREPLACE)
  t.equal(readFileSync(join(dir, 'c'), 'utf8'), 'a')
})

t.test('RENAME_EXCHANGE swaps two names atomically', async (t) => {
  const dir = tmpdir(t)
  writeFileSync(join(dir, 'a'), 'a')
  writeFileSync(join(dir, 'b'), 'b')
  renameat2(CWD, join(dir, 'a'), CWD, join(dir, 'b'), constants.RENAME_EXCHANGE)
  t.equal(readFileSync(join(dir, 'a'), 'utf8'), 'b')
  t.equal(readFileSync(join(dir, 'b'), 'utf8'), 'a')
  t.throws(() => renameat2(CWD, join(dir, 'a'), CWD, join(dir, 'none'), constants.RENAME_EXCHANGE), {
    code: 'ENOENT',
  })
})

t.test('RENAME_WHITEOUT leaves a 0/0 character device behind', async (t) => {
  const dir = tmpdir(t)
  writeFileSync(join(dir, 'a'), 'a')
  renameat2(CWD, join(dir, 'a'), CWD, join(dir, 'b'), constants.RENAME_WHITEOUT)
  const st = lstatSync(join(dir, 'a'))
  t.ok(st.isCharacterDevice())
  t.equal(st.rdev, 0)
  t.equal(readFileSync(join(dir, 'b'), 'utf8'), 'a')
})
