/**
 * The FUSE codec and dispatch without a kernel: requests built byte by byte go through
 * Session.handle (fd -1: replies are returned, not written). Malformed and truncated requests are
 * answered EIO or EINVAL and never crash the session. A READDIR going on with a kept listing whose
 * next entries all went returns the rest, not an empty reply (the end).
 */
import t, { type Test } from 'tap'
import { mkdirSync, unlinkSync, writeFileSync } from 'node:fs'
import { Overlay } from '../../../daemon/overlay/overlay.js'
import { Op } from '../../../daemon/fuse/abi.js'
import { createLogger } from '../../../daemon/log.js'
import { Session } from '../../../daemon/fuse/session.js'
import { listingOf } from '../../../daemon/fuse/dir-listing.js'
import { tmpdir } from '../../helpers/tmpdir.js'

let unique = 0n

function request(opcode: number, nodeid: bigint, body: Buffer = Buffer.alloc(0), uid = 0, gid = 0): Buffer {
  const b = Buffer.alloc(40 + body.length)
  b.writeUInt32LE(b.length, 0)
  b.writeUInt32LE(opcode, 4)
  b.writeBigUInt64LE(++unique, 8)
  b.writeBigUInt64LE(nodeid, 16)
  b.writeUInt32LE(uid, 24)
  b.writeUInt32LE(gid, 28)
  body.copy(b, 40)
  return b
}

const name = (s: string) => Buffer.from(`${s}\0`)
const u32s = (...v: number[]) =>
  Buffer.concat(
    v.map((x) => {
      const b = Buffer.alloc(4)
      b.writeUInt32LE(x)
      return b
    }),
  )
const errorOf = (reply: Buffer | null) => reply?.readInt32LE(4)

async function session(t: Test, offered = 0x73fffffb) {
  const base = tmpdir(t, 'strata-codec-')
  for (const d of ['l', 'u', 'w']) mkdirSync(`${base}/${d}`)
  writeFileSync(`${base}/l/hello`, 'hi')
  const logged: string[] = []
  const s = new Session(-1, new Overlay({ lowers: [`${base}/l`], upper: `${base}/u`, work: `${base}/w` }), {
    log: createLogger('debug', 'test', (line) => void logged.push(line)),
  })
  const init = Buffer.alloc(64)
  init.writeUInt32LE(7, 0)
  init.writeUInt32LE(45, 4)
  init.writeUInt32LE(offered, 12)
  const reply = await s.handle(request(Op.INIT, 0n, init))
  t.equal(errorOf(reply), 0, 'INIT accepted')
  return { s, logged, base }
}

t.test('INIT takes only offered flags and asks for 1 MiB requests and ns times', async (t) => {
  const base = tmpdir(t)
  mkdirSync(`${base}/l`)
  const fresh = new Session(-1, new Overlay({ lowers: [`${base}/l`] }))
  const init = Buffer.alloc(64)
  init.writeUInt32LE(7, 0)
  init.writeUInt32LE(31, 4) // an older kernel
  init.writeUInt32LE(1 << 0, 12) // offers only ASYNC_READ
  const reply = (await fresh.handle(request(Op.INIT, 0n, init))) as Buffer
  t.equal(reply.readUInt32LE(16 + 4), 31, 'minor = the kernel minor when older')
  t.equal(reply.readUInt32LE(16 + 12), 1, 'only ASYNC_READ, which was offered')
  t.equal(reply.readUInt32LE(16 + 20), 1024 * 1024, 'max_write 1 MiB')
  t.equal(reply.readUInt32LE(16 + 24), 1, 'time_gran 1 ns')
  const bad = Buffer.alloc(64)
  bad.writeUInt32LE(8, 0)
  t.equal(errorOf(await fresh.handle(request(Op.INIT, 0n, bad))), -5, 'major 8 is EIO')
})

t.test('LOOKUP of a present and a missing name', async (t) => {
  const { s } = await session(t)
  const found = (await s.handle(request(Op.LOOKUP, 1n, name('hello')))) as Buffer
  t.equal(errorOf(found), 0)
  t.ok(found.readBigUInt64LE(16) > 1n, 'a node id')
  t.equal(found.readBigUInt64LE(16 + 40 + 8), 2n, 'size 2 in the attributes')
  const missing = (await s.handle(request(Op.LOOKUP, 1n, name('nope')))) as Buffer
  t.equal(errorOf(missing), 0, 'a negative entry is a success')
  t.equal(missing.readBigUInt64LE(16), 0n, 'with node id 0')
})

t.test('malformed and truncated requests are answered, never crash', async (t) => {
  const { s, logged } = await session(t)
  t.equal(await s.handle(Buffer.alloc(10)), null, 'shorter than a reply header: dropped')
  const short = request(Op.LOOKUP, 1n, name('hello')).subarray(0, 30)
  t.equal(errorOf(await s.handle(short)), -5, 'truncated header: EIO')
  const lying = request(Op.LOOKUP, 1n, name('hello'))
  lying.writeUInt32LE(9999, 0)
  t.equal(errorOf(await s.handle(lying)), -5, 'length field disagrees: EIO')
  t.equal(errorOf(await s.handle(request(Op.LOOKUP, 1n, Buffer.from('no-terminator')))), -5, 'name without NUL: EIO')
  t.equal(errorOf(await s.handle(request(Op.MKDIR, 1n, Buffer.alloc(3)))), -5, 'body too short: EIO')
  t.equal(errorOf(await s.handle(request(Op.LOOKUP, 1n, name('..')))), -22, 'name ..: EINVAL')
  t.equal(errorOf(await s.handle(request(Op.LOOKUP, 1n, name('a/b')))), -22, 'name with a slash: EINVAL')
  t.equal(errorOf(await s.handle(request(Op.GETATTR, 999n, Buffer.alloc(16)))), -116, 'unknown node: ESTALE')
  t.equal(errorOf(await s.handle(request(4242, 1n))), -38, 'unknown opcode: ENOSYS')
  t.equal(errorOf(await s.handle(request(Op.READ, 1n, Buffer.alloc(40)))), -9, 'unknown handle: EBADF')
  t.ok(logged.length >= 1, 'broken headers are logged')
})

t.test('a bug inside an op is EIO and a log line', async (t) => {
  const { s, logged } = await session(t)
  const ov = (s as unknown as { ctx: { ov: { lookup: () => never } } }).ctx.ov
  ov.lookup = () => {
    throw new TypeError('a bug')
  }
  t.equal(errorOf(await s.handle(request(Op.GETATTR, 1n, Buffer.alloc(16)))), -5)
  t.match(logged.at(-1), /unexpected error/)
})

t.test('MKDIR, CREATE and SYMLINK make entries owned by the caller', async (t) => {
  const { s, base } = await session(t)
  const mk = await s.handle(request(Op.MKDIR, 1n, Buffer.concat([u32s(0o755, 0), name('d')]), 1000, 1001))
  t.equal(errorOf(mk), 0)
  const { statSync, lstatSync } = await import('node:fs')
  t.match(statSync(`${base}/u/d`), { uid: 1000, gid: 1001 })
  const cr = await s.handle(
    request(Op.CREATE, 1n, Buffer.concat([u32s(0o1 | 0o100, 0o640, 0, 0), name('f')]), 1000, 1001),
  )
  t.equal(errorOf(cr), 0)
  t.equal(cr?.length, 16 + 128 + 16, 'entry plus open reply')
  t.match(statSync(`${base}/u/f`), { uid: 1000, mode: 0o100640 })
  const sl = await s.handle(request(Op.SYMLINK, 1n, Buffer.concat([name('l'), name('target')]), 7, 8))
  t.equal(errorOf(sl), 0)
  t.match(lstatSync(`${base}/u/l`), { uid: 7, gid: 8 })
})

t.test('GETXATTR and LISTXATTR probe sizes and answer ERANGE', async (t) => {
  const { s, base } = await session(t)
  const { lsetxattr } = await import('../../../native-bindings/index.js')
  lsetxattr(`${base}/l/hello`, 'user.k', 'value')
  const look = (await s.handle(request(Op.LOOKUP, 1n, name('hello')))) as Buffer
  const node = look.readBigUInt64LE(16)
  const probe = (await s.handle(request(Op.GETXATTR, node, Buffer.concat([u32s(0, 0), name('user.k')])))) as Buffer
  t.equal(probe.readUInt32LE(16), 5, 'size 0 asks for the length')
  t.equal(
    errorOf(await s.handle(request(Op.GETXATTR, node, Buffer.concat([u32s(2, 0), name('user.k')])))),
    -34,
    'ERANGE',
  )
  const got = (await s.handle(request(Op.GETXATTR, node, Buffer.concat([u32s(64, 0), name('user.k')])))) as Buffer
  t.equal(got.subarray(16).toString(), 'value')
  const list = (await s.handle(request(Op.LISTXATTR, node, u32s(64, 0)))) as Buffer
  t.equal(list.subarray(16).toString(), 'user.k\0')
  t.equal(
    errorOf(await s.handle(request(Op.GETXATTR, node, Buffer.concat([u32s(64, 0), name('user.none')])))),
    -61,
    'ENODATA',
  )
})

t.test('FORGET gives no reply', async (t) => {
  const { s } = await session(t)
  const look = (await s.handle(request(Op.LOOKUP, 1n, name('hello')))) as Buffer
  const forget = Buffer.alloc(8)
  forget.writeBigUInt64LE(1n)
  t.equal(await s.handle(request(Op.FORGET, look.readBigUInt64LE(16), forget)), null)
  t.equal(await s.handle(request(Op.INTERRUPT, 0n, Buffer.alloc(8))), null)
})

/** READDIR of `nodeid` from `offset`: the names and the offset of the last, from the reply's dirents. */
async function readdirOf(s: Session, nodeid: bigint, offset: bigint) {
  const body = Buffer.alloc(40)
  body.writeBigUInt64LE(0n, 0) // fh
  body.writeBigUInt64LE(offset, 8)
  body.writeUInt32LE(4096, 16)
  const reply = (await s.handle(request(Op.READDIR, nodeid, body))) as Buffer
  const names: string[] = []
  let last = offset
  for (let p = 16; p < reply.length;) {
    const len = reply.readUInt32LE(p + 16)
    last = reply.readBigUInt64LE(p + 8)
    names.push(reply.subarray(p + 24, p + 24 + len).toString())
    p += (24 + len + 7) & ~7
  }
  return { names, last }
}

t.test('OPENDIR: ENOSYS where the kernel can do without it; else a handle of 0; READDIR goes by node id', async (t) => {
  const NO_OPENDIR_SUPPORT = 1 << 24
  const { s } = await session(t)
  t.equal(errorOf(await s.handle(request(Op.OPENDIR, 1n, Buffer.alloc(8)))), -38, 'ENOSYS: never sent again')
  const all = await readdirOf(s, 1n, 0n)
  t.same(all.names, ['.', '..', 'hello'])
  t.same((await readdirOf(s, 1n, all.last)).names, [], 'the end, resumed at the last offset')
  const old = (await session(t, 0x73fffffb & ~NO_OPENDIR_SUPPORT)).s
  const opened = (await old.handle(request(Op.OPENDIR, 1n, Buffer.alloc(8)))) as Buffer
  t.equal(errorOf(opened), 0, 'a kernel without the flag gets a handle')
  t.equal(opened.readBigUInt64LE(16), 0n, 'of 0')
  t.equal(opened.readUInt32LE(24), (1 << 1) | (1 << 3), 'KEEP_CACHE and CACHE_DIR: the kernel may keep the listing')
  t.same((await readdirOf(old, 1n, 0n)).names, ['.', '..', 'hello'])
  t.equal(errorOf(await old.handle(request(Op.RELEASEDIR, 1n, Buffer.alloc(24)))), 0)
})

t.test('READDIR going on after every entry of the next window went: the rest, not an early end', async (t) => {
  const { s, base } = await session(t)
  const names = Array.from({ length: 400 }, (_, i) => `f${i}`)
  for (const n of names) writeFileSync(`${base}/u/${n}`, '')
  const first = await readdirOf(s, 1n, 0n) // the worker keeps this listing for the reader to go on with
  const order = listingOf([...names, 'hello'].map((n) => ({ name: n, type: 'file' as const }))).map((e) => e.name)
  const gone = order.slice(first.names.length, first.names.length + 130) // more than a window (4,096 bytes: 128)
  t.notOk(gone.includes('hello'), 'the lower file is not among them')
  for (const n of gone) unlinkSync(`${base}/u/${n}`)
  const seen = [...first.names]
  for (let at = first.last; ;) {
    const next = await readdirOf(s, 1n, at)
    if (next.names.length === 0) break
    seen.push(...next.names)
    at = next.last
  }
  t.same(seen.sort(), order.filter((n) => !gone.includes(n)).sort(), 'every entry that stayed, once')
})
