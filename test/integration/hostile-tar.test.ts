/**
 * Issue 15 item 6, through a real stratad: layer tars that claim more than Linux can hold (a 300-byte
 * name, a 70,000-byte path or symlink target, a 40-digit mtime, a uid past 32 bits, a 1 PiB sparse
 * file, a device number, xattrs too big) are INVALID_ARGUMENT "bad layer tar: …" from import and
 * from a load whose manifest uses them, never INTERNAL, and nothing stored changes; a load whose
 * archive merely carries such a tar, unused, loads its images.
 */
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import type { StrataClient } from '../../client/client.js'
import { startDaemon, type Daemon } from '../helpers/daemon.js'
import { imageIdOf, legacyDockerArchive, ociLayout, type TestImage } from '../helpers/image-archive.js'
import { chunks, header, padTo512, paxRecords, tar } from '../helpers/tar-builder.js'

const GOOD = tar([{ dir: 'etc/' }, { file: 'etc/hello', body: 'hi\n' }])
const KEPT: TestImage = { layers: [GOOD], tags: ['kept:1'] }

/** A symlink whose target comes from a PAX linkpath record (the builder's symlinks have no PAX). */
function paxSymlink(name: string, target: string): Buffer {
  const pax = paxRecords({ linkpath: target })
  return Buffer.concat([
    header({ name: 'PaxHeaders/l', type: 'x', size: pax.length }),
    padTo512(pax),
    header({ name, type: '2', mode: 0o777 }),
    Buffer.alloc(1024),
  ])
}

const deepPath = `${'d'.repeat(200)}/`.repeat(350) + 'f' // 70,351 bytes

/** [what, tar, the message after "bad layer tar: "] */
const HOSTILE: Array<[string, Buffer, RegExp]> = [
  ['a name component of 300 bytes', tar([{ file: 'x', pax: { path: `etc/${'n'.repeat(300)}` } }]), /300 bytes/],
  ['a 70,000-byte path', tar([{ file: 'x', pax: { path: deepPath } }]), /path of 70351 bytes/],
  ['a symlink target of 70,000 bytes', paxSymlink('etc/l', 't'.repeat(70_000)), /symlink target of 70000 bytes/],
  ['a PAX mtime of 40 digits', tar([{ file: 'x', pax: { mtime: '9'.repeat(40) } }]), /mtime \d+s is out of range/],
  ['a PAX uid of 1e20', tar([{ file: 'x', pax: { uid: '1e20' } }]), /bad PAX uid "1e20"/],
  ['a PAX uid of 10^20', tar([{ file: 'x', pax: { uid: `1${'0'.repeat(20)}` } }]), /PAX uid 1000+ is too large/],
  [
    'a base-256 uid of 2^40',
    Buffer.concat([header({ name: 'x', base256Uid: true, uid: 2 ** 40 }), Buffer.alloc(1024)]),
    /uid 1099511627776 is not a Linux id/,
  ],
  ['a PAX gid of 2^32 - 1', tar([{ file: 'x', pax: { gid: '4294967295' } }]), /gid 4294967295 is not a Linux id/],
  [
    'a device 2097151:2097151',
    Buffer.concat([header({ name: 'c', type: '3', devmajor: 0o7777777, devminor: 0o7777777 }), Buffer.alloc(1024)]),
    /device 2097151:2097151/,
  ],
  [
    'an xattr of 100,000 bytes',
    tar([{ file: 'x', pax: { 'SCHILY.xattr.user.big': Buffer.alloc(100_000, 97) } }]),
    /xattr "user.big" of 100000 bytes/,
  ],
  [
    'an xattr name of 300 bytes',
    tar([{ file: 'x', pax: { [`SCHILY.xattr.user.${'n'.repeat(295)}`]: 'v' } }]),
    /xattr name of 300 bytes/,
  ],
]

/** GNU.sparse.size 2^50: more than ext4 holds in one file (16 TiB); xfs, btrfs or tmpfs would take it. */
const SPARSE = tar([
  {
    file: 'GNUSparseFile.0/holey',
    body: 'tail',
    pax: { 'GNU.sparse.map': `${2 ** 50 - 4},4`, 'GNU.sparse.size': String(2 ** 50), 'GNU.sparse.name': 'holey' },
  },
])

/** What the store holds: images, layer directories, staging leftovers, and fsck's verdict. */
async function stored(d: Daemon, c: StrataClient) {
  return {
    images: await c.call('image.list', { all: true }),
    layers: readdirSync(join(d.root, 'layers')).sort(),
    tmp: readdirSync(join(d.root, 'tmp')),
    problems: (await c.call('system.fsck', {})).problems,
  }
}

t.test('import and load refuse each hostile tar as INVALID_ARGUMENT, and nothing stored changes', async (t) => {
  const d = await startDaemon(t)
  const c = await d.connect()
  t.teardown(() => c.close())
  await c.call('image.load', {}, { upload: chunks(legacyDockerArchive([KEPT])) })
  const before = await stored(d, c)
  const ext4 = (await c.call('system.info', {})).storage.backingFs === 'ext4'
  const cases = [
    ...HOSTILE,
    ...(ext4
      ? [['a GNU.sparse.size of 2^50', SPARSE, /holey.*file of 1125899906842624 bytes \(EFBIG\)/] as const]
      : []),
  ]
  for (const [what, bad, why] of cases) {
    await t.rejects(
      c.call('image.import', { ref: 'bad:1' }, { upload: chunks(bad) }),
      { code: 'INVALID_ARGUMENT', message: new RegExp(`^bad layer tar: .*${why.source}`) },
      `import: ${what}`,
    )
    await t.rejects(
      c.call(
        'image.load',
        {},
        { upload: chunks(legacyDockerArchive([KEPT, { layers: [GOOD, bad], tags: ['bad:1'] }])) },
      ),
      { code: 'INVALID_ARGUMENT', message: new RegExp(`bad layer tar: .*${why.source}`) },
      `load using it: ${what}`,
    )
    t.same(await stored(d, c), before, `nothing stored changed: ${what}`)
  }
  t.notOk(
    d.logs.find((l) => l.includes('answering INTERNAL')),
    'no INTERNAL answer',
  )
})

t.test('a load whose archive carries a hostile tar its manifest does not use loads its images', async (t) => {
  const d = await startDaemon(t)
  const c = await d.connect()
  t.teardown(() => c.close())
  const unused = tar(HOSTILE.map(([, bad], i) => ({ file: `junk/${i}/layer.tar`, body: bad })))
  for (const archive of [legacyDockerArchive([KEPT]), ociLayout([KEPT])]) {
    const withJunk = Buffer.concat([archive.subarray(0, archive.length - 1024), unused])
    t.same(await c.call('image.load', {}, { upload: chunks(withJunk, 1 << 16) }), {
      images: [{ id: imageIdOf(KEPT), tags: ['kept:1'] }],
    })
  }
  const after = await stored(d, c)
  t.equal(after.images.length, 1)
  t.equal(after.layers.length, 1, 'only the used layer is stored')
  t.same(after.tmp, [], 'the unused layers left nothing in staging')
  t.same(after.problems, [])
})
