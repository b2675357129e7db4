/**
 * Union paths (daemon/overlay/path.ts): parsePath gives canonical paths back as they are, makes the
 * others canonical, and refuses '..', NUL and names over NAME_MAX bytes, however the path is spelled.
 */
import t from 'tap'
import { parsePath } from '../../../daemon/overlay/path.js'

const code = (raw: string): string | undefined => {
  try {
    parsePath(raw, 'test')
  } catch (err) {
    return (err as { code?: string }).code
  }
  return undefined
}

t.test('canonical paths come back as they are; others are made canonical', async (t) => {
  for (const p of ['', 'a', 'a/b/c', '..x/x..', '.hidden/...', 'a b/ü/日本'])
    t.equal(parsePath(p, 'test'), p, JSON.stringify(p))
  t.equal(parsePath('/a//b/./c/', 'test'), 'a/b/c')
  t.equal(parsePath('./a/.', 'test'), 'a')
  t.equal(parsePath('/', 'test'), '')
})

t.test("'..', NUL and long names are refused wherever they are", async (t) => {
  for (const p of ['..', 'a/..', '../a', 'a/../b', '/..//a']) t.equal(code(p), 'EINVAL', p)
  t.equal(code('a/b\0c'), 'EINVAL')
  t.equal(code(`a/${'x'.repeat(255)}`), undefined, '255 bytes')
  t.equal(code(`a/${'x'.repeat(256)}`), 'ENAMETOOLONG', '256 bytes')
  t.equal(code(`${'ü'.repeat(127)}x/a`), undefined, '255 bytes in 128 code units')
  t.equal(code(`${'日'.repeat(86)}/a`), 'ENAMETOOLONG', '258 bytes in 86 code units')
  t.equal(code(`b/${'\udc80'.repeat(255)}`), undefined, '255 escaped bytes, one byte each')
  t.equal(code(`${'x'.repeat(86)}/${'y'.repeat(256)}`), 'ENAMETOOLONG', 'the second of two long names')
})
