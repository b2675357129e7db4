import t from 'tap'
import { isExcluded, parseDockerignore, patternRegExp } from '../../../../client/cli/build/dockerignore.js'

const ex = (rules: string, path: string) => isExcluded(parseDockerignore(rules), path)

t.test('comments, blank lines, cleaning', async (t) => {
  const p = parseDockerignore('# c\n\n  /a/./b/../c/  \n!x\n.\n')
  t.same(
    p.map((x) => [x.text, x.exception]),
    [
      ['a/c', false],
      ['x', true],
    ],
  )
})

t.test('Docker’s matching rules', async (t) => {
  t.ok(ex('*.log', 'a.log'))
  t.notOk(ex('*.log', 'dir/a.log'), '* stays in its component')
  t.ok(ex('*/*.log', 'dir/a.log'))
  t.ok(ex('**/*.log', 'a.log'), '** matches no directory too')
  t.ok(ex('**/*.log', 'x/y/z/a.log'))
  t.ok(ex('a/**', 'a/b/c'))
  t.ok(ex('a/**/z', 'a/z'))
  t.ok(ex('a/**/z', 'a/b/c/z'))
  t.ok(ex('build', 'build/out/x.o'), 'a matched directory excludes what is in it')
  t.ok(ex('fil?.txt', 'file.txt'))
  t.notOk(ex('fil?.txt', 'fil/.txt'))
  t.ok(ex('[a-c]x', 'bx'))
  t.ok(ex('[!a]x', 'bx'))
  t.notOk(ex('[!a]x', 'ax'))
  t.ok(ex('\\*', '*'))
  t.notOk(ex('\\*', 'a'))
  t.ok(patternRegExp('a.b').test('a.b'))
  t.notOk(patternRegExp('a.b').test('axb'), 'regexp characters are literal')
})

t.test('exceptions: the last matching line wins', async (t) => {
  const rules = '*.md\n!README.md\ndocs\n!docs/keep\n'
  t.ok(ex(rules, 'CHANGES.md'))
  t.notOk(ex(rules, 'README.md'))
  t.ok(ex(rules, 'docs/other'))
  t.notOk(ex(rules, 'docs/keep'))
  t.ok(ex('!README.md\n*.md', 'README.md'), 'an exception before the rule is undone by it')
})
