/**
 * The /dev/fuse bindings against the real kernel: reader threads deliver requests in batches and
 * end with ENODEV on unmount; INIT negotiated with passthrough lets a backing file be registered.
 * The INIT reply here is hand-built on purpose: the codec proper belongs to daemon/fuse/.
 */
import t from 'tap'
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import {
  constants,
  fuseBackingClose,
  fuseBackingOpen,
  mount,
  startFuseReader,
  umount2,
} from '../../../native-bindings/index.js'
import { deliveries } from '../../helpers/fuse-deliveries.js'
import { tmpdir } from '../../helpers/tmpdir.js'

const FUSE_INIT = 26
const FUSE_INIT_EXT = 1 << 30
const FUSE_MAX_PAGES = 1 << 22
const FUSE_PASSTHROUGH_FLAGS2 = 1 << (37 - 32)

const reader = (fd: number, threads: number, bufSize: number) =>
  deliveries((onBatch) => startFuseReader(fd, threads, bufSize, onBatch))

t.test('reader threads deliver what they read and end at EOF', async (t) => {
  // A regular file: each read returns the next chunk, then 0 (EOF) for every thread.
  const file = join(tmpdir(t), 'requests')
  writeFileSync(file, Buffer.alloc(10000, 'x'))
  const fd = openSync(file, 'r')
  t.teardown(() => closeSync(fd))
  const r = reader(fd, 3, 4096)
  const sizes = [(await r.next()).length, (await r.next()).length, (await r.next()).length]
  // Three threads read at once: which chunk is handed over first is up to the scheduler.
  t.same(
    sizes.sort((a, b) => a - b),
    [1808, 4096, 4096],
  )
  t.equal(await r.ended, 'EOF')
})

t.test('reader arguments are checked', async (t) => {
  t.throws(() => startFuseReader(0, 0, 4096, () => undefined), { code: 'EINVAL' })
  t.throws(() => startFuseReader(0, 1, 100, () => undefined), { code: 'EINVAL' })
})

function initReply(request: Buffer, passthrough: boolean): Buffer {
  const unique = request.readBigUInt64LE(8)
  const major = request.readUInt32LE(40)
  const minor = request.readUInt32LE(44)
  const kernelFlags = request.readUInt32LE(52)
  const kernelFlags2 = kernelFlags & FUSE_INIT_EXT ? request.readUInt32LE(56) : 0
  const out = Buffer.alloc(16 + 64)
  out.writeUInt32LE(out.length, 0)
  out.writeBigUInt64LE(unique, 8)
  out.writeUInt32LE(major, 16)
  out.writeUInt32LE(minor, 20)
  out.writeUInt32LE(128 * 1024, 24) // max_readahead
  out.writeUInt32LE(kernelFlags & (FUSE_INIT_EXT | FUSE_MAX_PAGES), 28)
  out.writeUInt16LE(16, 32) // max_background
  out.writeUInt16LE(12, 34) // congestion_threshold
  out.writeUInt32LE(1024 * 1024, 36) // max_write
  out.writeUInt32LE(1, 40) // time_gran
  out.writeUInt16LE(256, 44) // max_pages
  out.writeUInt32LE(passthrough ? kernelFlags2 & FUSE_PASSTHROUGH_FLAGS2 : 0, 48) // flags2
  out.writeUInt32LE(passthrough ? 1 : 0, 52) // max_stack_depth
  return out
}

t.test('a real FUSE mount: INIT arrives through the readers, passthrough backing registers', async (t) => {
  const dir = tmpdir(t)
  const mnt = join(dir, 'mnt')
  mkdirSync(mnt)
  writeFileSync(join(dir, 'backing'), 'data')
  const fuseFd = openSync('/dev/fuse', 'r+')
  let mounted = false
  t.teardown(() => {
    if (mounted) umount2(mnt, constants.MNT_DETACH)
    closeSync(fuseFd)
  })
  mount(
    'strata-test',
    mnt,
    'fuse.strata-test',
    constants.MS_NOSUID | constants.MS_NODEV,
    `fd=${fuseFd},rootmode=40000,user_id=0,group_id=0`,
  )
  mounted = true
  const r = reader(fuseFd, 2, 1024 * 1024 + 4096) // after mount(2): before it, read(2) answers EPERM
  const init = await r.next()
  t.equal(init.readUInt32LE(4), FUSE_INIT, 'the first request is INIT')
  t.equal(init.readUInt32LE(0), init.length, 'one request per read')
  const offered2 = init.readUInt32LE(52) & FUSE_INIT_EXT ? init.readUInt32LE(56) : 0
  const canPassthrough = (offered2 & FUSE_PASSTHROUGH_FLAGS2) !== 0
  writeSync(fuseFd, initReply(init, canPassthrough))
  if (canPassthrough) {
    const backing = openSync(join(dir, 'backing'), 'r')
    const id = fuseBackingOpen(fuseFd, backing)
    closeSync(backing)
    t.ok(id > 0, `backing id ${id}`)
    fuseBackingClose(fuseFd, id)
    t.throws(() => fuseBackingClose(fuseFd, id), { code: /^E/, syscall: 'ioctl(FUSE_DEV_IOC_BACKING_CLOSE)' })
  } else {
    t.comment('kernel offers no passthrough: backing ioctls not exercised')
  }
  t.ok(readFileSync('/proc/self/mountinfo', 'utf8').includes(` ${mnt} `))
  umount2(mnt)
  mounted = false
  t.equal(await r.ended, 'ENODEV', 'unmount ends the readers with ENODEV')
})

t.test('backing ioctls on a connection without passthrough fail cleanly', async (t) => {
  const fuseFd = openSync('/dev/fuse', 'r+')
  t.teardown(() => closeSync(fuseFd))
  t.throws(() => fuseBackingOpen(fuseFd, 0), { code: /^E/, syscall: 'ioctl(FUSE_DEV_IOC_BACKING_OPEN)' })
  t.throws(() => fuseBackingOpen(-1, 0), { code: 'EBADF' })
})
