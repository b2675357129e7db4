/**
 * syncFiles and dupFd (native-bindings/src/sync-files.c): a batch syncs every descriptor and
 * reports each one's errno rather than failing the batch; a duplicate is the same open file.
 */
import t from 'tap'
import { closeSync, fstatSync, openSync, readFileSync, writeSync } from 'node:fs'
import { dupFd, syncFiles } from '../../../native-bindings/index.js'
import { tmpdir } from '../../helpers/tmpdir.js'

t.test('every file of a batch is synced; a bad descriptor gets its own errno', async (t) => {
  const dir = tmpdir(t, 'strata-sync-')
  const fds = [0, 1, 2].map((k) => {
    const fd = openSync(`${dir}/f${k}`, 'w+')
    writeSync(fd, `file ${k}`)
    return fd
  })
  t.same(await syncFiles(fds), [0, 0, 0])
  t.same(await syncFiles([fds[0] as number, 1_000_000, fds[2] as number]), [0, 9, 0], 'EBADF for that one only')
  t.same(await syncFiles([]), [])
  for (const fd of fds) closeSync(fd)
  t.equal(readFileSync(`${dir}/f1`, 'utf8'), 'file 1')
})

t.test('dupFd: another descriptor of the same open file, which outlives the first', async (t) => {
  const dir = tmpdir(t, 'strata-sync-')
  const fd = openSync(`${dir}/f`, 'w+')
  const copy = dupFd(fd)
  t.not(copy, fd)
  t.equal(fstatSync(copy).ino, fstatSync(fd).ino)
  closeSync(fd)
  writeSync(copy, 'still open')
  t.same(await syncFiles([copy]), [0])
  closeSync(copy)
  t.equal(readFileSync(`${dir}/f`, 'utf8'), 'still open')
  t.throws(() => dupFd(-1), { code: 'EBADF' })
  t.throws(() => dupFd('x' as never), TypeError)
})
