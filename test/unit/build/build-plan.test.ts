import t from 'tap'
import { planBuild } from '../../../daemon/build/build-plan.js'
import { parseDockerfile } from '../../../daemon/build/dockerfile-parser.js'

const df = parseDockerfile(
  [
    'ARG BASE=bb',
    'FROM $BASE AS one',
    'RUN a',
    'FROM one AS Two',
    'COPY --from=one /a /b',
    'FROM scratch',
    'CMD x',
  ].join('\n'),
)

t.test('stages, global args and the step count', async (t) => {
  const all = planBuild(df)
  t.equal(all.globalArgs.length, 1)
  t.same(
    all.stages.map((s) => s.name),
    ['one', 'Two', undefined],
  )
  t.equal(all.total, 7)
  const two = planBuild(df, 'two')
  t.equal(two.stages.length, 2, '--target stops at its stage (names are case-insensitive)')
  t.equal(two.total, 5)
  t.throws(() => planBuild(df, 'nope'), { code: 'INVALID_ARGUMENT', message: /build target nope/ })
  t.throws(() => planBuild(parseDockerfile('RUN x\nFROM a')), { code: 'INVALID_ARGUMENT', message: /line 1/ })
  t.throws(() => planBuild(parseDockerfile('ARG X')), { code: 'INVALID_ARGUMENT', message: /no FROM/ })
})
