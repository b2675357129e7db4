/**
 * fsck's disk-size check: the filesystem's own late accounting (an extent block added at
 * writeback, on a 200 MB pulled layer) is not reported; a record that is really wrong is.
 */
import t from 'tap'
import { diskBytesDrifted } from '../../../daemon/store/fsck.js'

t.test('writeback lag on a large layer is not a problem', async (t) => {
  t.equal(diskBytesDrifted(201_379_840, 201_375_744), false, 'one extent block on 200 MB')
  t.equal(diskBytesDrifted(4096, 8192), false, 'a block on a tiny layer')
  t.equal(diskBytesDrifted(5_000_000, 5_000_000), false)
})

t.test('a wrong record is', async (t) => {
  t.equal(diskBytesDrifted(1_000_000, 1), true, 'image-prune test: the record says 1 byte')
  t.equal(diskBytesDrifted(201_375_744, 100_000_000), true)
  t.equal(diskBytesDrifted(0, 200 * 1024), true)
})
