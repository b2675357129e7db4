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
