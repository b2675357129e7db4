/**
 * The Dockerfile's word rules, as Docker's shell lexer applies them to ENV, ARG, LABEL, COPY, ADD,
 * WORKDIR, USER, EXPOSE, VOLUME, STOPSIGNAL and FROM: quotes ('…' literal, "…" with expansion),
 * the escape character (\ or ` by the `# escape=` directive) and variables: $VAR, ${VAR},
 * ${VAR:-word}, ${VAR-word}, ${VAR:+word}, ${VAR+word}, ${VAR:?msg}, ${VAR?msg}.
 * Pure: no I/O. `splitRaw` splits without expanding or unquoting (the parser's pairs).
 * Errors: WordError (an unterminated quote or ${, a bad modifier, a :? with the variable unset);
 *   the parser and builder add the line and make it INVALID_ARGUMENT.
 * Tests: test/unit/build/shell-words.test.ts
 */

export class WordError extends Error {
  override name = 'WordError'
}

export type Vars = ReadonlyMap<string, string>

const NAME_START = /[A-Za-z_]/
const NAME_CHAR = /[A-Za-z0-9_]/
const SPACE = /[ \t\r\n]/

/** One word: quotes removed, variables expanded, whitespace kept. */
export function expandWord(text: string, vars: Vars, escape = '\\'): string {
  return new Lexer(text, vars, escape).word(false)
}

/** Whitespace-separated words, each expanded and unquoted (`EXPOSE $PORTS 53/udp`). */
export function expandWords(text: string, vars: Vars, escape = '\\'): string[] {
  const lx = new Lexer(text, vars, escape)
  const out: string[] = []
  for (;;) {
    lx.skipSpace()
    if (lx.done()) return out
    out.push(lx.word(true))
  }
}

/** Whitespace-separated words as written (quotes and escapes kept): `a="x y" b=c` → ['a="x y"', 'b=c']. */
export function splitRaw(text: string, escape = '\\'): string[] {
  const out: string[] = []
  let cur = ''
  let quote = ''
  let inWord = false
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string
    if (!quote && SPACE.test(ch)) {
      if (inWord) out.push(cur)
      cur = ''
      inWord = false
      continue
    }
    inWord = true
    cur += ch
    if (ch === escape && quote !== "'" && i + 1 < text.length) cur += text[++i] as string
    else if (quote ? ch === quote : ch === '"' || ch === "'") quote = quote ? '' : ch
  }
  if (quote) throw new WordError(`unterminated ${quote === '"' ? 'double' : 'single'} quote`)
  if (inWord) out.push(cur)
  return out
}

class Lexer {
  private i = 0

  constructor(
    private readonly s: string,
    private readonly vars: Vars,
    private readonly escape: string,
  ) {}

  done(): boolean {
    return this.i >= this.s.length
  }

  skipSpace(): void {
    while (!this.done() && SPACE.test(this.s[this.i] as string)) this.i++
  }

  /** Reads to the end (or, with `stopAtSpace`, to unquoted whitespace). */
  word(stopAtSpace: boolean, stop = ''): string {
    let out = ''
    while (!this.done()) {
      const ch = this.s[this.i] as string
      if (stop && ch === stop) break
      if (stopAtSpace && SPACE.test(ch)) break
      this.i++
      if (ch === this.escape) out += this.i < this.s.length ? this.s[this.i++] : ''
      else if (ch === "'") out += this.single()
      else if (ch === '"') out += this.double()
      else if (ch === '$') out += this.dollar()
      else out += ch
    }
    return out
  }

  private single(): string {
    const end = this.s.indexOf("'", this.i)
    if (end < 0) throw new WordError('unterminated single quote')
    const out = this.s.slice(this.i, end)
    this.i = end + 1
    return out
  }

  private double(): string {
    let out = ''
    for (;;) {
      if (this.done()) throw new WordError('unterminated double quote')
      const ch = this.s[this.i++] as string
      if (ch === '"') return out
      if (ch === this.escape && '"$`\\'.includes(this.s[this.i] ?? '\0') && this.i < this.s.length)
        out += this.s[this.i++]
      else if (ch === '$') out += this.dollar()
      else out += ch
    }
  }

  /** After a `$`: a variable's value, or a literal `$` when no name follows. */
  private dollar(): string {
    const ch = this.s[this.i] ?? ''
    if (ch === '{') {
      this.i++
      return this.braced()
    }
    if (!NAME_START.test(ch)) return '$'
    return this.vars.get(this.name()) ?? ''
  }

  private name(): string {
    const start = this.i
    while (!this.done() && NAME_CHAR.test(this.s[this.i] as string)) this.i++
    return this.s.slice(start, this.i)
  }

  private braced(): string {
    if (!NAME_START.test(this.s[this.i] ?? '')) throw new WordError('bad substitution: ${ must be followed by a name')
    const name = this.name()
    const value = this.vars.get(name)
    if (this.s[this.i] === '}') {
      this.i++
      return value ?? ''
    }
    const colon = this.s[this.i] === ':'
    if (colon) this.i++
    const op = this.s[this.i++] ?? ''
    if (!'-+?'.includes(op) || !op) throw new WordError(`bad substitution: unsupported modifier in \${${name}…}`)
    const word = this.word(false, '}')
    if (this.s[this.i] !== '}') throw new WordError(`bad substitution: missing } after \${${name}`)
    this.i++
    const isSet = colon ? !!value : value !== undefined
    if (op === '-') return isSet ? (value as string) : word
    if (op === '+') return isSet ? word : ''
    if (!isSet) throw new WordError(`${name}: ${word || 'is not set'}`)
    return value as string
  }
}
