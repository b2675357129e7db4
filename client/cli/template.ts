/**
 * The part of Go's text/template that people use with `docker … --format`:
 *   {{.Field}} {{.A.B}} {{json .}} {{json .Field}} {{upper .X}} {{lower .X}}
 *   {{truncate .X 12}} {{join .List ", "}} {{println .X}}
 * plus Docker's conventions: a leading `table ` means aligned columns with a header, and the
 * two-character sequences \t and \n in the format mean a tab and a newline. Anything else is a
 * FormatError naming what was not understood.
 */
export class FormatError extends Error {
  override name = 'FormatError'
}

type Part = string | { fn: string; args: Arg[] }
type Arg = { path: string[] } | { lit: string | number }

export interface Template {
  isTable: boolean
  render(value: unknown): string
  /** The header line of a table: each field's header name (the caller's map, or the field). */
  header(names: Record<string, string>): string
}

export function parseTemplate(format: string): Template {
  let text = format.replace(/\\t/g, '\t').replace(/\\n/g, '\n')
  const isTable = text.startsWith('table ') || text === 'table'
  if (isTable) text = text.slice('table'.length).trimStart()
  const parts = tokenize(text)
  return {
    isTable,
    render: (value) => parts.map((p) => (typeof p === 'string' ? p : call(p.fn, p.args, value))).join(''),
    header: (names) =>
      parts
        .map((p) => {
          if (typeof p === 'string') return p
          const field = p.args.find((a): a is { path: string[] } => 'path' in a)
          const key = field?.path.join('.') ?? ''
          return names[key] ?? key.toUpperCase()
        })
        .join(''),
  }
}

function tokenize(text: string): Part[] {
  const parts: Part[] = []
  let rest = text
  for (;;) {
    const open = rest.indexOf('{{')
    if (open < 0) break
    const close = rest.indexOf('}}', open)
    if (close < 0) throw new FormatError(`unclosed action in format: ${rest.slice(open)}`)
    if (open > 0) parts.push(rest.slice(0, open))
    parts.push(parseAction(rest.slice(open + 2, close).trim()))
    rest = rest.slice(close + 2)
  }
  if (rest) parts.push(rest)
  return parts
}

function parseAction(action: string): Part {
  const words = action.match(/"(?:[^"\\]|\\.)*"|\S+/g) ?? []
  if (!words.length) throw new FormatError('empty action {{}} in format')
  const [first, ...rest] = words as [string, ...string[]]
  if (first.startsWith('.')) {
    if (rest.length) throw new FormatError(`unexpected ${rest.join(' ')} after ${first}`)
    return { fn: 'field', args: [parseArg(first)] }
  }
  if (!(first in FUNCTIONS)) throw new FormatError(`function "${first}" not defined`)
  return { fn: first, args: rest.map(parseArg) }
}

function parseArg(word: string): Arg {
  if (word === '.') return { path: [] }
  if (word.startsWith('.')) return { path: word.slice(1).split('.') }
  if (word.startsWith('"')) return { lit: JSON.parse(word) as string }
  if (/^-?[0-9]+$/.test(word)) return { lit: Number(word) }
  throw new FormatError(`cannot use ${word} in a format`)
}

const FUNCTIONS: Record<string, (args: unknown[]) => string> = {
  field: ([v]) => show(v),
  json: ([v]) => JSON.stringify(v ?? null),
  upper: ([v]) => show(v).toUpperCase(),
  lower: ([v]) => show(v).toLowerCase(),
  truncate: ([v, n]) => [...show(v)].slice(0, Number(n)).join(''),
  join: ([v, sep]) => (Array.isArray(v) ? v.map(show).join(String(sep ?? '')) : show(v)),
  println: (args) => `${args.map(show).join(' ')}\n`,
}

function call(fn: string, args: Arg[], value: unknown): string {
  const f = FUNCTIONS[fn] as (args: unknown[]) => string
  return f(args.map((a) => ('lit' in a ? a.lit : lookup(value, a.path))))
}

function lookup(value: unknown, path: string[]): unknown {
  let v = value
  for (const key of path) {
    if (typeof v !== 'object' || v === null || !Object.hasOwn(v, key))
      throw new FormatError(`can't evaluate field ${key}`)
    v = (v as Record<string, unknown>)[key]
  }
  return v
}

/** Go prints a missing value as <no value>, a map or list in its own syntax; JSON is clearer. */
function show(v: unknown): string {
  if (v === undefined || v === null) return '<no value>'
  if (typeof v === 'object') return JSON.stringify(v)
  return String(v)
}
