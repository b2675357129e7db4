import t from 'tap'
import { closeSync, openSync, writeFileSync } from 'node:fs'
import { CHUNK_BYTES, readChunks } from '../../../daemon/tar/read-chunks.js'
import { tmpdir } from '../../helpers/tmpdir.js'

t.test('a range comes in chunks of at most CHUNK_BYTES, byte for byte', async (t) => {
  const file = `${tmpdir(t, 'strata-chunks-')}/f`
  const data = Buffer.alloc(2 * CHUNK_BYTES + 123)
  for (let i = 0; i < data.length; i++) data[i] = (i * 7) & 0xff
  writeFileSync(file, data)
  const fd = openSync(file, 'r')
  t.teardown(() => closeSync(fd))
  const chunks = [...readChunks(fd, 0, data.length, file)]
  t.same(
    chunks.map((c) => c.length),
    [CHUNK_BYTES, CHUNK_BYTES, 123],
  )
  t.ok(Buffer.concat(chunks).equals(data), 'whole file')
  t.ok(Buffer.concat([...readChunks(fd, 1000, 50, file)]).equals(data.subarray(1000, 1050)), 'a range from an offset')
  t.same([...readChunks(fd, 5, 0, file)], [], 'an empty range reads nothing')
})

t.test('a file shorter than the range is an error naming it', async (t) => {
  const file = `${tmpdir(t, 'strata-chunks-')}/f`
  writeFileSync(file, 'abcdef')
  const fd = openSync(file, 'r')
  t.teardown(() => closeSync(fd))
  const it = readChunks(fd, 0, 10, 'layer file f')
  t.equal(it.next().value?.toString(), 'abcdef')
  t.throws(() => it.next(), { message: 'layer file f shrank while it was read' })
})
