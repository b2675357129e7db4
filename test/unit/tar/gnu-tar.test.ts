/**
 * Archives written by GNU tar (PAX with xattrs, and GNU format with long names): applied, the
 * tree matches the source directory; exported, the bytes match the archive.
 */
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import {
  closeSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { applyTar } from '../../../daemon/layers/apply-tar.js'
import { exportTar } from '../../../daemon/layers/export-tar.js'
import { readSplit, SplitRecorder } from '../../../daemon/tar/tar-split.js'
import { lgetxattr, lsetxattr } from '../../../native-bindings/index.js'
import { chunks } from '../../helpers/tar-builder.js'
import { tmpdir } from '../../helpers/tmpdir.js'

function sourceTree(root: string): void {
  const long = join(root, 'a'.repeat(120), 'b'.repeat(120))
  mkdirSync(long, { recursive: true })
  writeFileSync(join(long, 'c'.repeat(200)), 'deep')
  mkdirSync(join(root, 'etc'))
  writeFileSync(join(root, 'etc/conf'), 'x'.repeat(100_000), { mode: 0o600 })
  linkSync(join(root, 'etc/conf'), join(root, 'etc/conf-link'))
  symlinkSync('conf', join(root, 'etc/sym'))
  writeFileSync(join(root, 'tool'), 'bin', { mode: 0o755 })
  lsetxattr(join(root, 'tool'), 'user.origin', 'gnu-tar')
  lsetxattr(join(root, 'tool'), 'security.capability', Buffer.from('0100000200200000000000000000000000000000', 'hex'))
  execFileSync('touch', [
    '-h',
    '-d',
    '2020-01-02 03:04:05.123456789',
    join(root, 'tool'),
    join(root, 'etc/sym'),
    join(root, 'etc'),
  ])
}

for (const format of ['pax', 'gnu'] as const) {
  t.test(`GNU tar --format=${format}`, async (t) => {
    const base = tmpdir(t)
    const src = join(base, 'src')
    mkdirSync(src)
    sourceTree(src)
    const archive = execFileSync(
      'tar',
      ['-C', src, `--format=${format}`, '--xattrs', '--xattrs-include=*', '-cf', '-', '.'],
      {
        maxBuffer: 64 * 1024 * 1024,
      },
    )
    const dir = join(base, 'diff')
    mkdirSync(dir)
    const split = new SplitRecorder()
    const s = await applyTar(dir, chunks(archive, 4096), { maxBytes: 1e9, maxEntries: 1000 }, split)
    t.equal(s.diffId, `sha256:${createHash('sha256').update(archive).digest('hex')}`)
    const parts: Buffer[] = []
    for await (const b of exportTar(dir, readSplit(split.finish()))) parts.push(b)
    t.ok(Buffer.concat(parts).equals(archive), 'exported bytes equal the archive')
    const deep = join('a'.repeat(120), 'b'.repeat(120), 'c'.repeat(200))
    t.equal(readFileSync(join(dir, deep), 'utf8'), 'deep', 'long names')
    t.equal(lstatSync(join(dir, 'etc/conf')).ino, lstatSync(join(dir, 'etc/conf-link')).ino, 'hard link kept')
    t.equal(lstatSync(join(dir, 'etc/conf')).mode & 0o777, 0o600)
    for (const p of ['tool', 'etc', 'etc/sym']) {
      const want = lstatSync(join(src, p), { bigint: true })
      const got = lstatSync(join(dir, p), { bigint: true })
      const ns = format === 'pax' ? got.mtimeNs : got.mtimeNs - (got.mtimeNs % 1_000_000_000n)
      t.equal(ns, format === 'pax' ? want.mtimeNs : want.mtimeNs - (want.mtimeNs % 1_000_000_000n), `${p} mtime`)
    }
    if (format === 'pax') {
      t.equal(lgetxattr(join(dir, 'tool'), 'user.origin').toString(), 'gnu-tar')
      t.same(lgetxattr(join(dir, 'tool'), 'security.capability'), lgetxattr(join(src, 'tool'), 'security.capability'))
    }
  })
}

/** A 10 MB file that is mostly holes: data at 4 KiB, 8 MB and at its very end. */
function sparseFile(path: string): Buffer {
  execFileSync('truncate', ['-s', '10M', path])
  const fd = openSync(path, 'r+')
  writeSync(fd, Buffer.from('hello'), 0, 5, 4096)
  writeSync(fd, Buffer.alloc(70_000, 9), 0, 70_000, 8_000_000)
  writeSync(fd, Buffer.from('end'), 0, 3, 10 * 1024 * 1024 - 3)
  closeSync(fd)
  return readFileSync(path)
}

for (const [name, args] of [
  ['gnu', ['--format=gnu']],
  ['posix 1.0', ['--format=posix', '--sparse-version=1.0']],
  ['posix 0.1', ['--format=posix', '--sparse-version=0.1']],
] as const) {
  t.test(`GNU tar --sparse, ${name}: holes stay holes, export gives the archive back`, async (t) => {
    const base = tmpdir(t)
    mkdirSync(join(base, 'src'))
    const content = sparseFile(join(base, 'src', 'disk.img'))
    writeFileSync(join(base, 'src', 'after'), 'next entry')
    const archive = execFileSync('tar', ['-C', join(base, 'src'), '--sparse', ...args, '-cf', '-', 'disk.img', 'after'])
    t.ok(archive.length < 200_000, 'the archive holds only the data')
    const dir = join(base, 'diff')
    mkdirSync(dir)
    const split = new SplitRecorder()
    await applyTar(dir, chunks(archive, 3000), { maxBytes: 1e9, maxEntries: 100 }, split)
    t.ok(readFileSync(join(dir, 'disk.img')).equals(content), 'same content')
    t.ok(lstatSync(join(dir, 'disk.img')).blocks * 512 < 1_000_000, 'the holes were not written')
    t.equal(readFileSync(join(dir, 'after'), 'utf8'), 'next entry', 'the entry after it is intact')
    const parts: Buffer[] = []
    for await (const b of exportTar(dir, readSplit(split.finish()))) parts.push(b)
    t.ok(Buffer.concat(parts).equals(archive), 'exported bytes equal the archive')
  })
}
