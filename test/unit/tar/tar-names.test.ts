/**
 * Tar names are bytes: names with bytes that are not UTF-8 (0x80, 0xff), a 255-byte name, a link
 * target over 100 bytes and a 4,094-byte path leave the writer (tar-writer.ts) as their bytes and
 * come back from the reader (tar-header.ts, tar-reader.ts) as the same strings, so the same bytes
 * (names.ts). A path over 4,096 bytes is written whole and still refused on reading, as Linux could
 * not hold it below a container's root. GNU tar reads the same bytes. The tar-split keeps such a
 * file's path.
 */
import { spawnSync } from 'node:child_process'
import t from 'tap'
import { decodeName, encodeName } from '../../../daemon/overlay/names.js'
import { parsePax, TarError } from '../../../daemon/tar/tar-header.js'
import { readTar, type TarEntry } from '../../../daemon/tar/tar-reader.js'
import { readSplit, SplitRecorder } from '../../../daemon/tar/tar-split.js'
import { END, entryHeader, padding, type HeaderFields } from '../../../daemon/tar/tar-writer.js'

const name = (...parts: Array<string | number[]>): string =>
  decodeName(Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p)))))

/** A 255-byte name ending in 0x80 0xff. */
const LONG_NAME = name('n'.repeat(253), [0x80, 0xff])
/** A 4,094-byte path (the most tar-path.ts lets through) with a non-UTF-8 byte in each directory. */
const DEEP = (() => {
  const dirs = Array.from({ length: 20 }, (_, i) => name(`d${String(i).padStart(2, '0')}`, [0xfe], 'x'.repeat(196)))
  const path = dirs.join('/')
  return `${path}/${name('f'.repeat(4094 - encodeName(path).length - 2), [0xc3])}`
})()

function archive(entries: Array<HeaderFields & { body?: string }>): Buffer {
  const parts: Buffer[] = []
  for (const e of entries) {
    parts.push(...entryHeader({ ...e, size: e.body?.length ?? 0 }))
    if (e.body) parts.push(Buffer.from(e.body), padding(e.body.length))
  }
  parts.push(END)
  return Buffer.concat(parts)
}

async function read(tar: Buffer, split = new SplitRecorder()): Promise<TarEntry[]> {
  const out: TarEntry[] = []
  await readTar(
    (async function* () {
      yield tar
    })(),
    async (e, body) => {
      for await (const _ of body);
      out.push(e)
      return undefined
    },
    { maxBytes: 1e8, maxEntries: 100 },
    split,
  )
  return out
}

const file = (n: string, body = ''): HeaderFields & { body: string } => ({
  name: n,
  type: 'file',
  mode: 0o644,
  mtime: 0,
  body,
})

t.test('names of any bytes round-trip through the writer and reader', async (t) => {
  t.equal(encodeName(LONG_NAME).length, 255)
  t.equal(encodeName(DEEP).length, 4094)
  const short = name('a', [0x80], 'b', [0xff])
  const linkTarget = name('../', 't'.repeat(120), [0x80])
  const tar = archive([
    file(short, 'short'),
    file(LONG_NAME, 'long'),
    { name: 'sym', type: 'symlink', mode: 0o777, mtime: 0, linkname: linkTarget },
    { name: 'hard', type: 'link', mode: 0o644, mtime: 0, linkname: LONG_NAME },
    file(DEEP, 'deep'),
  ])
  const got = await read(tar)
  t.same(
    got.map((e) => e.path),
    [short, LONG_NAME, 'sym', 'hard', DEEP],
  )
  t.same(
    got.map((e) => encodeName(e.path).toString('hex')),
    [short, LONG_NAME, 'sym', 'hard', DEEP].map((n) => encodeName(n).toString('hex')),
    'the same bytes',
  )
  t.equal(got[2]?.linkname, linkTarget, 'a symlink target over 100 bytes keeps its bytes')
  t.equal(got[3]?.linkname, LONG_NAME, 'a hard link target keeps its bytes')
  t.ok(tar.includes(Buffer.from([0x61, 0x80, 0x62, 0xff, 0])), 'a short name sits in the ustar field as its bytes')
})

t.test('a PAX path that is not UTF-8 is its bytes, without hdrcharset (as GNU tar writes it)', async (t) => {
  const [head, body, , main] = entryHeader({ ...file(LONG_NAME), size: 0 })
  t.equal(String.fromCharCode(head?.[156] as number), 'x')
  const records = parsePax((body as Buffer).subarray(0, Number((head as Buffer).toString('latin1', 124, 135).trim())))
  t.notOk(records.has('hdrcharset'), 'GNU tar 1.34 warns on every hdrcharset record')
  t.same(records.get('path'), encodeName(LONG_NAME))
  const field = (main as Buffer).subarray(0, 100)
  t.same(field, encodeName(LONG_NAME).subarray(0, 100), 'the ustar field holds the first 100 bytes')
  const utf8 = entryHeader({ ...file(`a${'é'.repeat(60)}`), size: 0 })
  const cut = (utf8[3] as Buffer).subarray(0, 100)
  t.equal(cut.indexOf(0), 99, 'a ustar cut never splits a UTF-8 sequence (byte 100 would be the middle of an é)')
})

t.test('a path over 4,096 bytes is written whole and refused on reading', async (t) => {
  const tooDeep = `${DEEP.slice(0, DEEP.lastIndexOf('/'))}/${'g'.repeat(200)}/${'h'.repeat(200)}`
  t.ok(encodeName(tooDeep).length > 4096)
  const [head, body] = entryHeader({ ...file(tooDeep), size: 0 })
  const size = Number((head as Buffer).toString('latin1', 124, 135).trim())
  t.same(parsePax((body as Buffer).subarray(0, size)).get('path'), encodeName(tooDeep))
  await t.rejects(read(archive([file(tooDeep)])), TarError)
  await t.rejects(read(archive([file(tooDeep)])), /too long for Linux/)
})

t.test('a PAX path with a NUL byte is refused, not handed to the kernel', async (t) => {
  const tar = archive([file(`${'p'.repeat(120)}\0x`)])
  await t.rejects(read(tar), /contains a NUL byte/)
})

t.test('GNU tar reads the names as the same bytes', async (t) => {
  const short = name('caf', [0xe9])
  const tar = archive([file(short, 'x'), file(LONG_NAME, 'y'), file(DEEP, 'z')])
  const run = spawnSync('tar', ['-t', '--quoting-style=literal'], { input: tar, env: { ...process.env, LC_ALL: 'C' } })
  t.equal(run.status, 0)
  t.equal(run.stderr.toString(), '', 'no warning')
  const listed = run.stdout
  t.same(listed, Buffer.concat([short, LONG_NAME, DEEP].map((n) => Buffer.concat([encodeName(n), Buffer.from('\n')]))))
})

t.test("a tar with hdrcharset=BINARY (Python's tarfile, libarchive) reads as the same bytes", async (t) => {
  const script = [
    'import io, sys, tarfile',
    'b = io.BytesIO()',
    "with tarfile.open(fileobj=b, mode='w', format=tarfile.PAX_FORMAT) as tf:",
    "    i = tarfile.TarInfo(sys.argv[1].encode('latin1').decode('utf-8', 'surrogateescape'))",
    '    tf.addfile(i)',
    'sys.stdout.buffer.write(b.getvalue())',
  ].join('\n')
  const tar = spawnSync('python3', ['-c', script, encodeName(LONG_NAME).toString('latin1')]).stdout
  t.ok(tar.includes(Buffer.from('hdrcharset=BINARY')), 'Python marks the record')
  const [e] = await read(tar)
  t.equal(e?.path, LONG_NAME)
})

t.test('the tar-split keeps a path that is not UTF-8', async (t) => {
  const split = new SplitRecorder()
  const short = name('dir', [0xff], '/f', [0x80])
  await read(archive([file(short, 'body'), file('plain', 'p')]), split)
  const files = readSplit(split.finish()).flatMap((s) => ('file' in s ? [s.file] : []))
  t.same(files, [short, 'plain'])
})
