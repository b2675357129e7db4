/**
 * The part of Go's text/template that people use with `docker … --format`:
 *   {{.Field}} {{.A.B}} {{json .}} {{upper .X}} {{lower .X}} {{title .X}} {{truncate .X 12}}
 *   {{join .List ", "}} {{split .X ":"}} {{index .List 0}} {{index .Map "key"}} {{len .List}}
 *   {{slice .X 1 3}} {{println .X}}, pipelines ({{.X | upper}}) and parentheses
 *   ({{index (split .Tag ":") 0}}), as Go and Docker's CLI define them.
 * plus Docker's conventions: a leading `table ` means aligned columns with a header, and the
 * two-character sequences \t and \n in the format mean a tab and a newline. Anything else is a
 * FormatError naming what was not understood; so is a function given what it cannot take.
 * Tests: test/unit/client/cli/template.test.ts
 */
export class FormatError extends Error {
  override name = 'FormatError'
}

/** A field path (`.A.B`; `.` is []), a literal, a function call, or a parenthesised pipeline. */
type Expr = { path: string[] } | { lit: string | number } | { fn: string; args: Expr[] }
type Part = string | Expr

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
    render: (value) => parts.map((p) => (typeof p === 'string' ? p : show(evaluate(p, value)))).join(''),
    header: (names) =>
      parts
        .map((p) => {
          if (typeof p === 'string') return p
          const key = firstField(p)?.join('.') ?? ''
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

function parseAction(action: string): Expr {
  const words = action.match(/"(?:[^"\\]|\\.)*"|[()|]|[^\s()|]+/g) ?? []
  if (!words.length) throw new FormatError('empty action {{}} in format')
  const p = { words, at: 0 }
  const expr = pipeline(p)
  if (p.at < words.length) throw new FormatError(`unexpected ${words.slice(p.at).join(' ')} in {{${action}}}`)
  return expr
}

interface Words {
  words: string[]
  at: number
}

/** command ('|' command)*: each command after a pipe gets the value so far as its last argument. */
function pipeline(p: Words): Expr {
  let expr = command(p)
  while (p.words[p.at] === '|') {
    p.at++
    const next = command(p)
    if (!('fn' in next) || next.fn === 'field')
      throw new FormatError(`cannot pipe into ${describe(next)}: only a function takes a piped value`)
    expr = { fn: next.fn, args: [...next.args, expr] }
  }
  return expr
}

/** A function and its arguments, or one operand on its own. */
function command(p: Words): Expr {
  const head = p.words[p.at]
  if (head === undefined || head === '|' || head === ')') throw new FormatError('missing value in format')
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(head)) {
    if (!(head in FUNCTIONS)) throw new FormatError(`function "${head}" not defined`)
    p.at++
    const args: Expr[] = []
    while (p.at < p.words.length && p.words[p.at] !== '|' && p.words[p.at] !== ')') args.push(operand(p))
    return { fn: head, args }
  }
  const single = operand(p)
  const extra = p.words[p.at]
  if (extra !== undefined && extra !== '|' && extra !== ')')
    throw new FormatError(`unexpected ${extra} after ${describe(single)}`)
  return 'path' in single ? { fn: 'field', args: [single] } : single
}

function operand(p: Words): Expr {
  const word = p.words[p.at++] as string
  if (word === '(') {
    const inner = pipeline(p)
    if (p.words[p.at++] !== ')') throw new FormatError('unclosed ( in format')
    return inner
  }
  if (word === '.') return { path: [] }
  if (word.startsWith('.')) return { path: word.slice(1).split('.') }
  if (word.startsWith('"')) return { lit: JSON.parse(word) as string }
  if (/^-?[0-9]+$/.test(word)) return { lit: Number(word) }
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(word) && word in FUNCTIONS) return { fn: word, args: [] }
  throw new FormatError(`cannot use ${word} in a format`)
}

const describe = (e: Expr): string => ('path' in e ? `.${e.path.join('.')}` : 'lit' in e ? String(e.lit) : e.fn)

function firstField(e: Expr): string[] | undefined {
  if ('path' in e) return e.path
  if ('lit' in e) return undefined
  for (const a of e.args) {
    const f = firstField(a)
    if (f) return f
  }
  return undefined
}

function evaluate(e: Expr, value: unknown): unknown {
  if ('lit' in e) return e.lit
  if ('path' in e) return lookup(value, e.path)
  const f = FUNCTIONS[e.fn] as (args: unknown[]) => unknown
  return f(e.args.map((a) => evaluate(a, value)))
}

const FUNCTIONS: Record<string, (args: unknown[]) => unknown> = {
  field: ([v]) => v,
  json: ([v]) => JSON.stringify(v ?? null),
  upper: ([v]) => show(v).toUpperCase(),
  lower: ([v]) => show(v).toLowerCase(),
  // Go's strings.Title, as Docker's `title`: a letter after anything but a letter, digit or _.
  title: ([v]) =>
    show(v).replace(/(^|[^\p{L}\p{N}_])(\p{Ll})/gu, (_m, sep: string, c: string) => sep + c.toUpperCase()),
  truncate: ([v, n]) => [...show(v)].slice(0, Number(n)).join(''),
  join: ([v, sep]) => (Array.isArray(v) ? v.map(show).join(String(sep ?? '')) : show(v)),
  split: ([v, sep]) => splitString(show(v), String(sep ?? '')),
  println: (args) => `${args.map(show).join(' ')}\n`,
  index: ([v, ...keys]) => keys.reduce(indexOne, v),
  len: ([v]) => lengthOf(v),
  slice: ([v, ...bounds]) => sliceOf(v, bounds),
}

/** Go's strings.Split: "" as the separator splits into characters. */
const splitString = (s: string, sep: string): string[] => (sep === '' ? [...s] : s.split(sep))

function indexOne(v: unknown, key: unknown): unknown {
  if (Array.isArray(v) || typeof v === 'string') {
    const list: unknown[] | string = v
    const i = integer(key, 'index')
    if (i < 0 || i >= list.length) throw new FormatError(`error calling index: index out of range: ${i}`)
    return typeof list === 'string' ? Buffer.from(list)[i] : list[i]
  }
  if (typeof v === 'object' && v !== null) {
    if (typeof key !== 'string') throw new FormatError(`error calling index: cannot index a map with ${show(key)}`)
    return Object.hasOwn(v, key) ? (v as Record<string, unknown>)[key] : undefined
  }
  if (v === undefined || v === null) throw new FormatError('error calling index: index of untyped nil')
  throw new FormatError(`error calling index: can't index item of type ${typeof v}`)
}

/** Go's len: bytes of a string, items of a list, keys of a map. */
function lengthOf(v: unknown): number {
  if (typeof v === 'string') return Buffer.byteLength(v)
  if (Array.isArray(v)) return v.length
  if (typeof v === 'object' && v !== null) return Object.keys(v).length
  throw new FormatError(`error calling len: len of ${v === undefined || v === null ? 'nil' : typeof v}`)
}

/** Go's slice: x[i:j] of a string (bytes, as Go) or a list; 0 to 2 bounds. */
function sliceOf(v: unknown, bounds: unknown[]): unknown {
  if (bounds.length > 2) throw new FormatError('error calling slice: too many slice indexes')
  if (typeof v !== 'string' && !Array.isArray(v))
    throw new FormatError(`error calling slice: can't slice item of type ${v === null ? 'nil' : typeof v}`)
  const items: Buffer | unknown[] = typeof v === 'string' ? Buffer.from(v) : v
  const [from = 0, to = items.length] = bounds.map((b) => integer(b, 'slice'))
  if (from < 0 || to > items.length || from > to)
    throw new FormatError(`error calling slice: index out of range: ${from > to ? from : to}`)
  const out = items.slice(from, to)
  return Buffer.isBuffer(out) ? out.toString('utf8') : out
}

function integer(v: unknown, fn: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v))
    throw new FormatError(`error calling ${fn}: cannot index with ${show(v)}: not an integer`)
  return v
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

/**
 * Go prints a missing value as <no value>, a list as [a b c] (what `split` gives, so
 * `{{split .X ":"}}` reads as Docker's), other maps and lists as JSON, which is clearer.
 */
function show(v: unknown): string {
  if (v === undefined || v === null) return '<no value>'
  if (Array.isArray(v) && v.every((x) => typeof x !== 'object' || x === null)) return `[${v.map(show).join(' ')}]`
  if (typeof v === 'object') return JSON.stringify(v)
  return String(v)
}
