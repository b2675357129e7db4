import t from 'tap'
import { renderList, renderObject } from '../../../../client/cli/output.js'
import { Progress } from '../../../../client/cli/progress.js'
import { alignColumns } from '../../../../client/cli/table.js'

const rows = [
  { ID: 'a1', Name: 'first', Size: '1kB' },
  { ID: 'b22222222222', Name: 'second-longer-name', Size: '10MB' },
]
const list = {
  rows,
  defaultFormat: 'table {{.ID}}\t{{.Name}}\t{{.Size}}',
  headers: { ID: 'ID', Name: 'NAME', Size: 'SIZE' },
  id: (r: (typeof rows)[number]) => r.ID,
}

t.test('tables align like Go tabwriter (minwidth 10, padding 3)', async (t) => {
  t.equal(
    renderList(list),
    [
      'ID             NAME                 SIZE',
      'a1             first                1kB',
      'b22222222222   second-longer-name   10MB',
      '',
    ].join('\n'),
  )
  t.equal(alignColumns(['x\ty']), 'x         y')
})

t.test('-q prints ids; --format prints one line per row; json is {{json .}}', async (t) => {
  t.equal(renderList({ ...list, quiet: true }), 'a1\nb22222222222\n')
  t.equal(renderList({ ...list, format: '{{.Name}}' }), 'first\nsecond-longer-name\n')
  t.equal(renderList({ ...list, format: 'json' }).split('\n')[0], JSON.stringify(rows[0]))
  t.equal(renderList({ ...list, rows: [], format: '{{.Name}}' }), '')
  t.equal(
    renderObject({ A: { B: 'x' } }, '{{.A.B}}', () => 'text'),
    'x\n',
  )
  t.equal(
    renderObject({ A: 1 }, undefined, () => 'text'),
    'text',
  )
})

t.test('progress: plain lines when not a terminal, bars redrawn in place on one', async (t) => {
  let plain = ''
  const p = new Progress({ write: (s: string) => (plain += s), isTTY: false })
  p.update({ id: 'abc', status: 'Downloading', current: 1, total: 10 })
  p.update({ id: 'abc', status: 'Downloading', current: 5, total: 10 })
  p.update({ id: 'def', status: 'Waiting' })
  p.update({ id: 'abc', status: 'Pull complete' })
  t.equal(plain, 'def: Waiting\nabc: Pull complete\n', 'byte counts only on a terminal')
  let tty = ''
  const q = new Progress({ write: (s: string) => (tty += s), isTTY: true, columns: 200 })
  q.update({ id: 'abc', status: 'Downloading', current: 5_000_000, total: 10_000_000 })
  q.update({ id: 'def', status: 'Waiting' })
  t.match(tty, /abc: Downloading \[={24}> {25}\] 5MB\/10MB\n/)
  t.ok(tty.includes('\u001b[1A'), 'moves up over the lines it drew')
})
