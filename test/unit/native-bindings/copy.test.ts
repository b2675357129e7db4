import t from 'tap'
import { createHash, randomBytes } from 'node:crypto'
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { copyFileRange, ficlone } from '../../../native-bindings/index.js'
import { tmpdir } from '../../helpers/tmpdir.js'

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex')

t.test('copyFileRange copies a whole file off the JS thread', async (t) => {
  const dir = tmpdir(t)
  const data = randomBytes(3 * 1024 * 1024 + 17)
  writeFileSync(join(dir, 'src'), data)
  const src = openSync(join(dir, 'src'), 'r')
  const dst = openSync(join(dir, 'dst'), 'w')
  t.teardown(() => (closeSync(src), closeSync(dst)))
  const copied = await copyFileRange(src, 0, dst, 0, data.length)
  t.equal(copied, data.length)
  t.equal(sha(readFileSync(join(dir, 'dst'))), sha(data))
})

t.test('copyFileRange honours offsets and stops at the end of the source', async (t) => {
  const dir = tmpdir(t)
  writeFileSync(join(dir, 'src'), '0123456789')
  const src = openSync(join(dir, 'src'), 'r')
  const dst = openSync(join(dir, 'dst'), 'w')
  t.teardown(() => (closeSync(src), closeSync(dst)))
  t.equal(await copyFileRange(src, 4, dst, 2, 100), 6)
  t.same(readFileSync(join(dir, 'dst')), Buffer.from('\0\x00456789'))
})

t.test('copyFileRange rejects with a Node-style error', async (t) => {
  await t.rejects(copyFileRange(-1, 0, -1, 0, 1), { code: 'EBADF', syscall: 'copy_file_range' })
  t.throws(() => copyFileRange(0, -1, 1, 0, 1), { code: 'EINVAL' })
})

t.test('ficlone shares blocks where the filesystem can, and says so where not', async (t) => {
  const dir = tmpdir(t)
  writeFileSync(join(dir, 'src'), 'cloned')
  const src = openSync(join(dir, 'src'), 'r')
  const dst = openSync(join(dir, 'dst'), 'w')
  t.teardown(() => (closeSync(src), closeSync(dst)))
  try {
    await ficlone(dst, src)
    t.equal(readFileSync(join(dir, 'dst'), 'utf8'), 'cloned')
  } catch (err) {
    // ext4 (these machines) has no reflink: the kernel answers EOPNOTSUPP (libuv: ENOTSUP), or EXDEV/EINVAL on some.
    t.match(err, { code: /^(ENOTSUP|EOPNOTSUPP|EXDEV|EINVAL)$/, syscall: 'ioctl(FICLONE)' })
  }
  await t.rejects(ficlone(-1, src), { code: 'EBADF' })
})

t.test('fallocate extends a file, punches holes, and reports errors', async (t) => {
  const { fallocate } = await import('../../../native-bindings/index.js')
  const { fstatSync } = await import('node:fs')
  const dir = tmpdir(t)
  const fd = openSync(join(dir, 'f'), 'w+')
  t.teardown(() => closeSync(fd))
  await fallocate(fd, 0, 0, 1 << 20)
  t.equal(fstatSync(fd).size, 1 << 20)
  const FALLOC_FL_KEEP_SIZE = 1
  const FALLOC_FL_PUNCH_HOLE = 2
  await fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 1 << 19)
  t.equal(fstatSync(fd).size, 1 << 20)
  await t.rejects(fallocate(-1, 0, 0, 1), { code: 'EBADF', syscall: 'fallocate' })
})
