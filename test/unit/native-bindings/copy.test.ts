import t from 'tap'
import { createHash, randomBytes } from 'node:crypto'
import { closeSync, ftruncateSync, openSync, readFileSync, statSync, writeFileSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { copyFileRange, copySparse, dataSegments, ficlone, seekData } from '../../../native-bindings/index.js'
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

/** A file of `size` bytes with `data` written at each offset and holes elsewhere. */
function holey(path: string, size: number, data: Array<[number, Buffer]>): void {
  const fd = openSync(path, 'w')
  try {
    ftruncateSync(fd, size)
    for (const [at, b] of data) writeSync(fd, b, 0, b.length, at)
  } finally {
    closeSync(fd)
  }
}

const MiB = 1024 * 1024

t.test('copySparse copies the data and leaves the holes', async (t) => {
  const dir = tmpdir(t)
  const a = randomBytes(5000)
  const b = randomBytes(70_000)
  holey(join(dir, 'src'), 64 * MiB, [
    [MiB, a],
    [40 * MiB + 3, b],
  ])
  const src = openSync(join(dir, 'src'), 'r')
  const dst = openSync(join(dir, 'dst'), 'wx')
  t.teardown(() => (closeSync(src), closeSync(dst)))
  t.equal(await copySparse(src, dst, 64 * MiB), 64 * MiB)
  t.equal(sha(readFileSync(join(dir, 'dst'))), sha(readFileSync(join(dir, 'src'))), 'same bytes')
  const st = statSync(join(dir, 'dst'))
  t.equal(st.size, 64 * MiB)
  t.ok(st.blocks * 512 <= 256 * 1024, `got ${st.blocks * 512} bytes allocated, want at most 256 KiB`)
})

t.test('copySparse: a file that is only a hole, or only data, and a source shorter than asked', async (t) => {
  const dir = tmpdir(t)
  holey(join(dir, 'empty'), 8 * MiB, [])
  const data = randomBytes(300_000)
  writeFileSync(join(dir, 'full'), data)
  for (const [name, len, want] of [
    ['empty', 8 * MiB, 8 * MiB],
    ['full', data.length, data.length],
    ['full', data.length + 10, data.length],
  ] as const) {
    const out = join(dir, `${name}-${len}.copy`)
    const src = openSync(join(dir, name), 'r')
    const dst = openSync(out, 'wx')
    t.equal(await copySparse(src, dst, len), want, `${name} asked for ${len}`)
    closeSync(src)
    closeSync(dst)
    if (name === 'full' && len === data.length) t.same(readFileSync(out), data)
    if (name === 'empty') t.equal(statSync(out).blocks, 0)
  }
  await t.rejects(copySparse(-1, -1, 1), { code: 'EBADF' })
})

t.test('dataSegments: where the data is, at most max segments', async (t) => {
  const dir = tmpdir(t)
  const block = Buffer.alloc(4096, 1)
  holey(join(dir, 'f'), 10 * MiB, [
    [0, block],
    [2 * MiB, block],
    [4 * MiB, block],
    [6 * MiB, block],
  ])
  const fd = openSync(join(dir, 'f'), 'r')
  t.teardown(() => closeSync(fd))
  t.same(dataSegments(fd, 10 * MiB, 100), [
    [0, 4096],
    [2 * MiB, 4096],
    [4 * MiB, 4096],
    [6 * MiB, 4096],
  ])
  t.same(dataSegments(fd, 3 * MiB, 100), [
    [0, 4096],
    [2 * MiB, 4096],
  ])
  t.same(
    dataSegments(fd, 2 * MiB + 100, 100),
    [
      [0, 4096],
      [2 * MiB, 100],
    ],
    'clipped to len',
  )
  t.same(
    dataSegments(fd, 10 * MiB, 2),
    [
      [0, 4096],
      [2 * MiB, 4 * MiB + 4096],
    ],
    'the last of max segments runs to the end of the data',
  )
  t.throws(() => dataSegments(-1, 1, 1), { code: 'EBADF', syscall: 'lseek' })
})

t.test('seekData answers SEEK_DATA and SEEK_HOLE, ENXIO past the end', async (t) => {
  const path = join(tmpdir(t, 'strata-seek-'), 'holey')
  const fd = openSync(path, 'w+')
  t.teardown(() => closeSync(fd))
  writeSync(fd, Buffer.alloc(4096, 1), 0, 4096, 1 << 20)
  t.equal(seekData(fd, 0, 3), 1 << 20, 'the data starts at 1 MiB')
  t.equal(seekData(fd, 1 << 20, 4), (1 << 20) + 4096, 'and ends at the file end, an implicit hole')
  t.throws(() => seekData(fd, 2 << 20, 3), { code: 'ENXIO' })
  t.throws(() => seekData(fd, 0, 0), { code: 'EINVAL' }, 'only SEEK_DATA and SEEK_HOLE')
})
