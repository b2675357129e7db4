/**
 * The event-loop reader of /dev/fuse (startFusePoll): it delivers what is waiting on this thread,
 * ends with EOF on a closed pipe, and on a real FUSE mount gets INIT and ends with ENODEV, not
 * libuv's EBADF, when the filesystem is unmounted (plainly or lazily).
 */
import t from 'tap'
import { execFileSync } from 'node:child_process'
import { closeSync, constants as fsc, mkdirSync, openSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import {
  bareNodeAnswers,
  constants,
  createBareNodes,
  createUpperNodes,
  createWriterNodes,
  markBareNode,
  mount,
  READER_TIMING_CELLS,
  startFusePoll,
  umount2,
} from '../../../native-bindings/index.js'
import { deliveries } from '../../helpers/fuse-deliveries.js'
import { tmpdir } from '../../helpers/tmpdir.js'

const FUSE_INIT = 26

const poller = (fd: number, spinUs = 0) =>
  deliveries((onBatch) => startFusePoll(fd, 1024 * 1024 + 4096, onBatch, { spinUs }))

// with a spin, the reader reads on after each delivery before it sleeps: what comes later still arrives
for (const spinUs of [0, 1000]) {
  t.test(`a pipe: what is written arrives, and closing it ends with EOF (spin ${spinUs} µs)`, async (t) => {
    const fifo = join(tmpdir(t), 'fifo')
    execFileSync('mkfifo', [fifo])
    const r = openSync(fifo, fsc.O_RDONLY | fsc.O_NONBLOCK)
    const w = openSync(fifo, fsc.O_WRONLY)
    const p = poller(r, spinUs)
    writeSync(w, 'hello')
    t.equal((await p.next()).toString(), 'hello')
    writeSync(w, 'again')
    t.equal((await p.next()).toString(), 'again')
    closeSync(w)
    t.equal(await p.ended, 'EOF')
    // the poller's handle closes on the loop's next turn: only then may its fd number be reused
    await new Promise((resolve) => setTimeout(resolve, 1))
    closeSync(r)
  })
}

t.test('arguments are checked', async (t) => {
  t.throws(() => startFusePoll(0, 100, () => undefined), { code: 'EINVAL' })
  t.throws(() => startFusePoll(-1, 4096, () => undefined), { code: 'EBADF' })
  t.throws(() => startFusePoll(0, 4096, () => undefined, { spinUs: 1001 }), { code: 'EINVAL' })
  t.throws(() => startFusePoll(0, 4096, () => undefined, { spinUs: -1 }), TypeError)
  t.throws(() => startFusePoll(0, 4096, () => undefined, { busy: new Int32Array(0) }), TypeError)
  t.throws(() => startFusePoll(0, 4096, () => undefined, { busy: new Uint32Array(1) as never }), TypeError)
  const tables = { bare: createBareNodes(), writers: createWriterNodes(1), upper: createUpperNodes(1, 1) }
  for (const timings of [new Float64Array(READER_TIMING_CELLS - 1), new Float32Array(READER_TIMING_CELLS)])
    t.throws(() => startFusePoll(0, 4096, () => undefined, { ...tables, timings: timings as never }), TypeError)
  t.throws(
    () => startFusePoll(0, 4096, () => undefined, { timings: new Float64Array(READER_TIMING_CELLS) }),
    TypeError,
    'timings need the tables before them',
  )
})

t.test('a set of bare nodes: marks checked by type, no answers before a reader gives some', async (t) => {
  const set = createBareNodes()
  t.same(bareNodeAnswers(set), { getxattr: 0, listxattr: 0 })
  markBareNode(set, 5, true)
  markBareNode(set, 5, false)
  markBareNode(set, 2 ** 40, true) // above the bitmap's range: ignored, never answered natively
  markBareNode(set, 1_000_000, false) // never marked: nothing to grow
  t.throws(() => markBareNode(set, -1, true), { code: 'EINVAL' })
  t.throws(() => markBareNode(set, 1.5, true), TypeError)
  t.throws(() => markBareNode({} as never, 1, true), TypeError)
  t.throws(() => bareNodeAnswers({} as never), TypeError)
  const fifo = join(tmpdir(t), 'fifo')
  execFileSync('mkfifo', [fifo])
  const r = openSync(fifo, fsc.O_RDONLY | fsc.O_NONBLOCK)
  t.teardown(() => closeSync(r))
  t.throws(() => startFusePoll(r, 4096, () => undefined, { bare: {} as never }), TypeError)
})

for (const lazily of [false, true]) {
  t.test(`a real FUSE mount: INIT arrives, ${lazily ? 'a lazy' : 'an'} unmount ends it with ENODEV`, async (t) => {
    const mnt = join(tmpdir(t), 'mnt')
    mkdirSync(mnt)
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
      constants.MS_NOSUID,
      `fd=${fuseFd},rootmode=40000,user_id=0,group_id=0`,
    )
    mounted = true
    const p = poller(fuseFd)
    const init = await p.next()
    t.equal(init.readUInt32LE(4), FUSE_INIT, 'the first request is INIT')
    t.equal(init.readUInt32LE(0), init.length, 'one request per read')
    umount2(mnt, lazily ? constants.MNT_DETACH : 0)
    mounted = false
    t.equal(await p.ended, 'ENODEV')
  })
}
