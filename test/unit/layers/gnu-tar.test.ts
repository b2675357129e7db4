/**
 * Archives written by GNU tar (PAX with xattrs, and GNU format with long names): applied, the
 * tree matches the source directory; exported, the bytes match the archive.
 */
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { lstatSync, mkdirSync, readFileSync, symlinkSync, writeFileSync, linkSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { applyTar } from '../../../daemon/layers/apply-tar.js'
import { exportTar } from '../../../daemon/layers/export-tar.js'
import { readSplit, SplitRecorder } from '../../../daemon/layers/tar-split.js'
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
