import t from 'tap'
import { DockerfileError, parseDockerfile } from '../../../daemon/build/dockerfile-parser.js'

t.test('instructions: case-insensitive, comments, continuations, exec and shell form', async (t) => {
  const df = parseDockerfile(
    [
      '# a comment',
      'from busybox AS base',
      '',
      'RUN echo one \\',
      '  # a comment inside a continuation',
      '',
      '    two',
      'CMD ["/bin/sh", "-c", "echo hi"]',
      'cmd [not json',
      'COPY --from=base --chown=1:2 a b /dst/',
      'ENV A=1 B="two words"',
      'ENV LEGACY value with spaces',
      'ARG X Y=2',
      '  healthcheck NONE',
    ].join('\n'),
  )
  t.equal(df.escape, '\\')
  const [from, run, cmd, cmd2, copy, env, legacy, arg, hc] = df.instructions
  t.match(from, { keyword: 'FROM', line: 2, args: 'busybox AS base' })
  t.match(run, { keyword: 'RUN', line: 4, args: 'echo one     two' })
  t.equal(run?.exec, undefined)
  t.same(cmd?.exec, ['/bin/sh', '-c', 'echo hi'])
  t.equal(cmd2?.exec, undefined, 'bad JSON is shell form')
  t.same(copy?.flags, { from: 'base', chown: '1:2' })
  t.equal(copy?.args, 'a b /dst/')
  t.same(env?.pairs, [
    { key: 'A', value: '1' },
    { key: 'B', value: '"two words"' },
  ])
  t.same(legacy?.pairs, [{ key: 'LEGACY', value: 'value with spaces' }])
  t.same(arg?.pairs, [{ key: 'X' }, { key: 'Y', value: '2' }])
  t.match(hc, { keyword: 'HEALTHCHECK', line: 14, args: 'NONE' })
  t.same(
    [from, run, copy, hc].map((i) => i?.source),
    ['from busybox AS base', 'RUN echo one     two', 'COPY --from=base --chown=1:2 a b /dst/', 'healthcheck NONE'],
    'source: the line as written, for `Step N/M :`',
  )
})

t.test('the escape directive', async (t) => {
  const df = parseDockerfile('# escape=`\nFROM scratch\nRUN dir `\n  C:\\x\n')
  t.equal(df.escape, '`')
  t.equal(df.instructions[1]?.args, 'dir   C:\\x')
  const after = parseDockerfile('FROM scratch\n# escape=`\nRUN a `\n')
  t.equal(after.escape, '\\', 'a directive after an instruction is a comment')
  t.throws(() => parseDockerfile('# escape=x\nFROM scratch'), { code: 'INVALID_ARGUMENT', line: 1 })
  t.throws(() => parseDockerfile('# escape=`\n# escape=`\nFROM scratch'), { message: /line 2:/ })
})

t.test('broken or hostile input: INVALID_ARGUMENT with the line, never another error', async (t) => {
  const cases: Array<[string, number]> = [
    ['', 1],
    ['# only a comment\n', 1],
    ['FROM a\nFROB x', 2],
    ['FROM a\nRUN', 2],
    ['FROM a b', 1],
    ['FROM a AS -bad', 1],
    ['FROM a\nCOPY --frm=x a b', 2],
    ['FROM a\nCOPY --from=x --from=y a b', 2],
    ['FROM a\nCOPY onlyone', 2],
    ['FROM a\nENV ONLY', 2],
    ['FROM a\nENV =x', 2],
    ['FROM a\nENV A="open', 2],
    ['FROM a\nARG 1bad', 2],
    ['FROM a\nSHELL /bin/sh', 2],
    ['FROM a\n\0', 2],
    ['FROM a\nRUN x\n'.repeat(1) + 'x'.repeat(5 * 1024 * 1024), 1],
  ]
  for (const [text, line] of cases) {
    try {
      parseDockerfile(text)
      t.fail(`parsed ${JSON.stringify(text.slice(0, 40))}`)
    } catch (err) {
      t.ok(err instanceof DockerfileError, `${JSON.stringify(text.slice(0, 40))}: got ${String(err)}`)
      t.match(err, { code: 'INVALID_ARGUMENT', line }, JSON.stringify(text.slice(0, 40)))
    }
  }
})

t.test('random bytes never throw anything but a DockerfileError', async (t) => {
  let seed = 42
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
  const alphabet = 'FROM RUN ENV ARG COPY \\`"\'${}[]=#:-+?\n\t x'
  for (let n = 0; n < 2000; n++) {
    let s = ''
    for (let i = 0, len = Math.floor(rand() * 80); i < len; i++) s += alphabet[Math.floor(rand() * alphabet.length)]
    try {
      parseDockerfile(s)
    } catch (err) {
      if (!(err instanceof DockerfileError)) t.fail(`${JSON.stringify(s)}: ${String(err)}`)
    }
  }
  t.pass('2000 random inputs')
})

t.test('ONBUILD: its trigger is read as an instruction; ONBUILD, FROM and MAINTAINER are refused', async (t) => {
  const df = parseDockerfile('FROM busybox\nONBUILD copy --chown=1 a.txt /dst/\nonbuild RUN ["make"]\n')
  t.match(df.instructions[1], { keyword: 'ONBUILD', line: 2, args: 'copy --chown=1 a.txt /dst/' })
  t.match(df.instructions[2], { keyword: 'ONBUILD', args: 'RUN ["make"]' })
  const refused = (line: string, message: RegExp) =>
    t.throws(() => parseDockerfile(`FROM busybox\n${line}\n`), {
      name: 'DockerfileError',
      code: 'INVALID_ARGUMENT',
      message,
    })
  refused('ONBUILD ONBUILD RUN true', /line 2: chaining ONBUILD via `ONBUILD ONBUILD` is not allowed/)
  refused('ONBUILD FROM busybox', /line 2: FROM is not allowed as an ONBUILD trigger/)
  refused('ONBUILD maintainer ann', /line 2: MAINTAINER is not allowed as an ONBUILD trigger/)
  refused('ONBUILD NOPE x', /line 2: unknown instruction: NOPE/)
  refused('ONBUILD COPY one', /line 2: COPY requires at least two arguments/)
  refused('ONBUILD', /line 2: ONBUILD requires at least one argument/)
})
