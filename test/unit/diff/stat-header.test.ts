import t from 'tap'
import { linkSync, lstatSync, mkdirSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { HardLinks, statFields } from '../../../daemon/diff/stat-header.js'
import { constants, mknodat } from '../../../native-bindings/index.js'
import { tmpdir } from '../../helpers/tmpdir.js'

const xattrs = new Map([['user.note', Buffer.from('hi')]])

function fieldsOf(dir: string, name: string, links = new HardLinks()) {
  const reads: string[] = []
  const read = {
    xattrs: () => (reads.push('xattrs'), xattrs),
    readlink: () => (reads.push('readlink'), 'target'),
  }
  return { fields: statFields(lstatSync(join(dir, name), { bigint: true }), name, read, links), reads }
}

t.test('each kind of entry gets its tar type, mode, owner and mtime in whole seconds', async (t) => {
  const dir = tmpdir(t, 'strata-stat-header-')
  writeFileSync(join(dir, 'f'), 'hello', { mode: 0o640 })
  utimesSync(join(dir, 'f'), 1_700_000_000, 1_600_000_000.75)
  mkdirSync(join(dir, 'd'), 0o750)
  symlinkSync('target', join(dir, 's'))
  mknodat(constants.AT_FDCWD, join(dir, 'p'), constants.S_IFIFO | 0o600, 0, 0)
  const st = lstatSync(join(dir, 'f'))
  t.same(fieldsOf(dir, 'f').fields, {
    ...{ uid: st.uid, gid: st.gid, mtime: 1_600_000_000, mode: 0o640, xattrs },
    ...{ name: 'f', type: 'file', size: 5 },
  })
  t.match(fieldsOf(dir, 'd').fields, { name: 'd/', type: 'dir', mode: 0o750 }, 'a directory name ends in /')
  const sym = fieldsOf(dir, 's')
  t.match(sym.fields, { name: 's', type: 'symlink', linkname: 'target' })
  t.same(sym.reads, ['xattrs', 'readlink'])
  const fifo = fieldsOf(dir, 'p')
  t.match(fifo.fields, { name: 'p', type: 'fifo', mode: 0o600, devmajor: 0, devminor: 0 })
  t.same(fifo.reads, ['xattrs'], 'readlink only for a symlink')
})

t.test('a device keeps its numbers', { skip: process.getuid?.() !== 0 && 'needs root (mknod)' }, async (t) => {
  const dir = tmpdir(t, 'strata-stat-header-')
  mknodat(constants.AT_FDCWD, join(dir, 'tty'), constants.S_IFCHR | 0o640, 5, 1)
  t.match(fieldsOf(dir, 'tty').fields, { type: 'char', devmajor: 5, devminor: 1, mode: 0o640 })
})

t.test('the names after the first of an inode are hard links to the first', async (t) => {
  const dir = tmpdir(t, 'strata-stat-header-')
  writeFileSync(join(dir, 'a'), 'x')
  linkSync(join(dir, 'a'), join(dir, 'b'))
  writeFileSync(join(dir, 'c'), 'y')
  const links = new HardLinks()
  t.match(fieldsOf(dir, 'a', links).fields, { name: 'a', type: 'file', size: 1 })
  t.match(fieldsOf(dir, 'b', links).fields, { name: 'b', type: 'link', linkname: 'a' })
  t.notOk('size' in (fieldsOf(dir, 'b', links).fields ?? {}), 'a link has no body')
  t.match(fieldsOf(dir, 'c', links).fields, { name: 'c', type: 'file' }, 'a single name is no link')
})

t.test('a socket has no tar type: it is left out, and none of its contents read', async (t) => {
  const dir = tmpdir(t, 'strata-stat-header-')
  mknodat(constants.AT_FDCWD, join(dir, 'sock'), constants.S_IFSOCK | 0o755, 0, 0)
  linkSync(join(dir, 'sock'), join(dir, 'sock2'))
  const links = new HardLinks()
  const { fields, reads } = fieldsOf(dir, 'sock', links)
  t.equal(fields, null)
  t.same(reads, [])
  t.equal(fieldsOf(dir, 'sock2', links).fields, null, 'a second name is no link to a name not in the tar')
})
