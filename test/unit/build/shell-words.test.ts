import t from 'tap'
import { expandWord, expandWords, splitRaw, WordError } from '../../../daemon/build/shell-words.js'

const vars = new Map([
  ['A', 'a'],
  ['EMPTY', ''],
  ['SPACED', 'x y'],
])

t.test('variables: $VAR, ${VAR}, the modifiers, set and unset', async (t) => {
  t.equal(expandWord('$A/${A}b/$NOPE.', vars), 'a/ab/.')
  t.equal(expandWord('${NOPE:-def} ${EMPTY:-def} ${EMPTY-def} ${A:-def}', vars), 'def def  a')
  t.equal(expandWord('${A:+alt} ${EMPTY:+alt}|${EMPTY+alt} ${NOPE+alt}', vars), 'alt |alt ')
  t.equal(expandWord('${NOPE:-${A}x}', vars), 'ax', 'a default may hold a variable')
  t.equal(expandWord('cost $5 and $', vars), 'cost $5 and $', 'a $ without a name is literal')
  t.throws(() => expandWord('${A:?}', new Map([['A', '']])), WordError)
  t.throws(() => expandWord('${NOPE?gone}', vars), { message: 'NOPE: gone' })
})

t.test('quotes and escapes', async (t) => {
  t.equal(expandWord(`'$A' "$A" \\$A "\\"q\\"" 'a\\b'`, vars), '$A a $A "q" a\\b')
  t.equal(expandWord('`$A', vars, '`'), '$A', 'the backtick escape')
  t.equal(expandWord('C:\\dir', vars, '`'), 'C:\\dir', 'a backslash is plain with escape=`')
  t.same(expandWords('$SPACED "b c"  d\\ e', vars), ['x y', 'b c', 'd e'])
  t.same(expandWords('   ', vars), [])
})

t.test('broken input is a WordError, never anything else', async (t) => {
  for (const bad of ['"open', "'open", '${', '${A', '${A:x}', '${1}', '${A:-x'])
    t.throws(() => expandWord(bad, vars), WordError, bad)
  t.throws(() => splitRaw('a "b'), WordError)
})

t.test('splitRaw keeps quotes and escapes', async (t) => {
  t.same(splitRaw('a="x y" b=c\\ d  e'), ['a="x y"', 'b=c\\ d', 'e'])
  t.same(splitRaw(`k='it"s'`), [`k='it"s'`])
})
