import t from 'tap'
import { parseTemplate } from '../../../../client/cli/template.js'

const row = { ID: 'abc', Repository: 'busybox', Tag: 'latest', Size: '4.2MB', Labels: ['a', 'b'], Nested: { X: 1 } }

t.test('fields, functions and Docker escapes', async (t) => {
  const cases: Array<[string, string]> = [
    ['{{.ID}}', 'abc'],
    ['{{ .Repository }}:{{.Tag}}', 'busybox:latest'],
    ['{{.Nested.X}}', '1'],
    ['{{json .Nested}}', '{"X":1}'],
    ['{{upper .Tag}}', 'LATEST'],
    ['{{lower "ABC"}}', 'abc'],
    ['{{truncate .Repository 4}}', 'busy'],
    ['{{join .Labels ", "}}', 'a, b'],
    ['{{.ID}}\\t{{.Size}}', 'abc\t4.2MB'],
    ['{{println .ID}}', 'abc\n'],
    ['plain text', 'plain text'],
  ]
  for (const [format, want] of cases) t.equal(parseTemplate(format).render(row), want, format)
  t.same(JSON.parse(parseTemplate('{{json .}}').render(row)), row)
})

t.test("table formats have a header from the caller's names", async (t) => {
  const tpl = parseTemplate('table {{.Repository}}\\t{{.ID}}\\t{{.Other}}')
  t.equal(tpl.isTable, true)
  t.equal(tpl.header({ ID: 'IMAGE ID', Repository: 'REPOSITORY' }), 'REPOSITORY\tIMAGE ID\tOTHER')
})

t.test('errors name what was not understood', async (t) => {
  t.throws(() => parseTemplate('{{.ID'), { name: 'FormatError' })
  t.throws(() => parseTemplate('{{}}'), { name: 'FormatError' })
  t.throws(() => parseTemplate('{{nosuch .ID}}'), /function "nosuch" not defined/)
  t.throws(() => parseTemplate('{{.Missing}}').render(row), /can't evaluate field Missing/)
  t.throws(() => parseTemplate('{{.ID extra}}'), { name: 'FormatError' })
  t.throws(() => parseTemplate('{{json $x}}'), { name: 'FormatError' })
  t.throws(
    () => parseTemplate('{{.toString}}').render(row),
    { name: 'FormatError' },
    'inherited properties are not fields',
  )
})

t.test("Go's index, len, slice and split, Docker's title, pipelines and parentheses", async (t) => {
  const image = {
    RepoTags: ['busybox:1.36', 'me/bb:v1'],
    Labels: { team: 'storage' },
    Name: 'hello wide_world-x',
    Size: 4261574,
    Id: 'sha256:abcdef',
  }
  const cases: Array<[string, string]> = [
    ['{{index .RepoTags 1}}', 'me/bb:v1'],
    ['{{index .Labels "team"}}', 'storage'],
    ['{{len .RepoTags}} {{len .Labels}} {{len .Id}}', '2 1 13'],
    ['{{slice .Id 7}}', 'abcdef'],
    ['{{slice .Id 7 10}}', 'abc'],
    ['{{slice .RepoTags 1}}', '[me/bb:v1]'],
    ['{{split .Id ":"}}', '[sha256 abcdef]'],
    ['{{index (split (index .RepoTags 0) ":") 1}}', '1.36'],
    ['{{join (split .Name " ") ","}}', 'hello,wide_world-x'],
    ['{{title .Name}}', 'Hello Wide_world-X'],
    ['{{.Name | upper}}', 'HELLO WIDE_WORLD-X'],
    ['{{.RepoTags | len}}', '2'],
    ['{{.Size}}', '4261574'],
    ['{{.RepoTags}}', '[busybox:1.36 me/bb:v1]'],
  ]
  for (const [format, want] of cases) t.equal(parseTemplate(format).render(image), want, format)
  t.equal(parseTemplate('table {{index .RepoTags 0}}\\t{{len .Labels}}').header({}), 'REPOTAGS\tLABELS')
  t.throws(() => parseTemplate('{{index .RepoTags 5}}').render(image), /error calling index: index out of range: 5/)
  t.throws(() => parseTemplate('{{slice .Id 3 99}}').render(image), /error calling slice: index out of range: 99/)
  t.throws(() => parseTemplate('{{len .Size}}').render(image), /error calling len: len of number/)
  t.throws(() => parseTemplate('{{index .Size 0}}').render(image), /can't index item of type number/)
  t.throws(() => parseTemplate('{{(index .RepoTags 0}}'), /unclosed \(/)
  t.throws(() => parseTemplate('{{.Id | .Name}}'), /only a function takes a piped value/)
})
