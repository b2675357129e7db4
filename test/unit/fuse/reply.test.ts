/** Reply encoding: node ids and inode numbers as numbers or bigints land as the same u64. */
import t from 'tap'
import { ENTRY_OUT } from '../../../daemon/fuse/abi.js'
import { entryOut, invalInodeNotify, writeDirent, type FuseAttr } from '../../../daemon/fuse/reply.js'

const attr = (ino: number | bigint): FuseAttr => ({
  ino,
  size: 1n,
  blocks: 0n,
  atimeNs: 0n,
  mtimeNs: 0n,
  ctimeNs: 0n,
  mode: 0o100644,
  nlink: 1,
  uid: 0,
  gid: 0,
  rdev: 0,
})

t.test('entries: a number and a bigint give the same bytes, past 2^32 too', async (t) => {
  for (const ino of [7, 2 ** 32 + 7, Number.MAX_SAFE_INTEGER]) {
    const fromNumber = entryOut(ino, attr(ino), { entry: 1, attr: 1 })
    t.same(fromNumber, entryOut(ino, attr(BigInt(ino)), { entry: 1, attr: 1 }))
    t.equal(fromNumber.readBigUInt64LE(0), BigInt(ino), 'node id')
    t.equal(fromNumber.readBigUInt64LE(40), BigInt(ino), 'inode number')
  }
  const huge = entryOut(3, attr(2n ** 64n - 1n), { entry: 1, attr: 1 })
  t.equal(huge.readBigUInt64LE(40), 2n ** 64n - 1n, 'an inode number past 2^53 stays exact')
})

t.test('dirents and notifications carry the u64s whole', async (t) => {
  const buf = Buffer.alloc(64)
  writeDirent(buf, 0, { ino: 2 ** 40 + 1, off: 2 ** 33, type: 8, name: 'f' }, null)
  t.equal(buf.readBigUInt64LE(0), 2n ** 40n + 1n)
  t.equal(buf.readBigUInt64LE(8), 2n ** 33n)
  writeDirent(buf, 0, { ino: 2n ** 63n, off: 1, type: 8, name: 'f' }, null)
  t.equal(buf.readBigUInt64LE(0), 2n ** 63n)
  t.equal(invalInodeNotify(2 ** 35).readBigUInt64LE(16), 2n ** 35n)
  t.equal(ENTRY_OUT, 128)
})
