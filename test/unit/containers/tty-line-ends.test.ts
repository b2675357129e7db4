/** exec -t's line ends: CR CR LF becomes CR LF, across a chunk's end too; anything else as it came. */
import t from 'tap'
import { lineEndFilter } from '../../../daemon/containers/tty-line-ends.js'

const through = (chunks: string[]): string => {
  const f = lineEndFilter()
  return chunks.map((c) => f(Buffer.from(c, 'latin1')).toString('latin1')).join('')
}

t.test('CR CR LF becomes CR LF; CR LF, LF and lone CRs stay', async (t) => {
  t.equal(through(['a\r\r\nb\r\r\n']), 'a\r\nb\r\n')
  t.equal(through(['a\r\nb\nc\rd\r\r']), 'a\r\nb\nc\rd\r\r', 'nothing else changes')
  t.equal(through(['a\r\r\r\n']), 'a\r\r\n', 'one CR less')
  t.equal(through(['']), '')
})

t.test('a CR that ended the chunk before counts', async (t) => {
  t.equal(through(['a\r', '\r\nb']), 'a\r\nb')
  t.equal(through(['a\r', '\nb']), 'a\r\nb', 'a plain CR LF split in two')
  t.equal(through(['a', '\r\nb']), 'a\r\nb')
  t.equal(through(['a\r', '', '\r\n']), 'a\r\n', 'an empty chunk between changes nothing')
})

t.test('a chunk that needs no change is passed on as it is', async (t) => {
  const f = lineEndFilter()
  const b = Buffer.from('plain\r\n')
  t.equal(f(b), b)
})
