/**
 * Parses a Dockerfile into instructions, as Docker's parser reads one: parser directives at the top
 * (`# escape=` \ or `, `# syntax=` ignored), comments, line continuations with the escape
 * character (comment and empty lines inside one are dropped), keywords case-insensitive, leading
 * `--flag=value` options, exec form (a JSON array of strings) or shell form, and for ENV, LABEL
 * and ARG the name/value pairs as written (the builder expands them at their step).
 * Pure: text in, instructions out. Variables are not expanded here (shell-words.ts does, per step).
 * Errors: DockerfileError, an INVALID_ARGUMENT naming the line, for anything it cannot read;
 *   never another kind, whatever the input.
 * Tests: test/unit/build/dockerfile-parser.test.ts
 */
import { StrataError } from '../../client/protocol.js'
import { splitRaw, WordError } from './shell-words.js'

export const KEYWORDS = [
  'FROM',
  'RUN',
  'CMD',
  'ENTRYPOINT',
  'COPY',
  'ADD',
  'ENV',
  'ARG',
  'WORKDIR',
  'USER',
  'LABEL',
  'EXPOSE',
  'VOLUME',
  'SHELL',
  'STOPSIGNAL',
  'HEALTHCHECK',
  'ONBUILD',
  'MAINTAINER',
] as const
export type Keyword = (typeof KEYWORDS)[number]

/** The options each instruction takes (`--from=stage`); any other is an error. */
const FLAGS: Partial<Record<Keyword, readonly string[]>> = {
  FROM: ['platform'],
  COPY: ['from', 'chown', 'chmod', 'link'],
  ADD: ['chown', 'chmod', 'link', 'checksum', 'keep-git-dir'],
  RUN: ['network'],
  HEALTHCHECK: ['interval', 'timeout', 'start-period', 'start-interval', 'retries'],
}

export interface Instruction {
  keyword: Keyword
  /** 1-based line where it starts. */
  line: number
  flags: Record<string, string>
  /** The arguments after the flags, continuations joined, as written. */
  args: string
  /** Exec form: the JSON array; undefined for shell form. */
  exec?: string[]
  /** ENV, LABEL, ARG: name and unexpanded value (ARG without `=`: no value). */
  pairs?: Array<{ key: string; value?: string }>
  /** The line as written (continuations joined, ends trimmed), which `Step N/M :` echoes as Docker does. */
  source?: string
}

export interface Dockerfile {
  escape: '\\' | '`'
  instructions: Instruction[]
}

export class DockerfileError extends StrataError {
  override name = 'DockerfileError'
  constructor(
    readonly line: number,
    message: string,
    options?: ErrorOptions,
  ) {
    super('INVALID_ARGUMENT', `Dockerfile parse error line ${line}: ${message}`, options)
  }
}

/** Dockerfiles larger than this are refused (Docker's own limit is lower still for a line). */
export const MAX_DOCKERFILE_BYTES = 4 * 1024 * 1024

export function parseDockerfile(text: string): Dockerfile {
  if (Buffer.byteLength(text) > MAX_DOCKERFILE_BYTES)
    throw new DockerfileError(1, `the Dockerfile is over ${MAX_DOCKERFILE_BYTES} bytes`)
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/)
  const { escape, first } = directives(lines)
  const instructions: Instruction[] = []
  for (const { line, text: joined } of logicalLines(lines, first, escape))
    instructions.push(instruction(joined, line, escape))
  if (!instructions.length) throw new DockerfileError(1, 'the Dockerfile has no instructions')
  return { escape, instructions }
}

/** The `# key=value` lines at the very top; the index of the first line after them. */
function directives(lines: string[]): { escape: '\\' | '`'; first: number } {
  let escape: '\\' | '`' = '\\'
  const seen = new Set<string>()
  let i = 0
  for (; i < lines.length; i++) {
    const m = /^#\s*([A-Za-z][A-Za-z0-9_-]*)\s*=\s*(.*?)\s*$/.exec(lines[i] as string)
    if (!m) break
    const key = (m[1] as string).toLowerCase()
    if (seen.has(key)) throw new DockerfileError(i + 1, `only one ${key} parser directive can be used`)
    seen.add(key)
    if (key === 'escape') {
      if (m[2] !== '\\' && m[2] !== '`')
        throw new DockerfileError(i + 1, `invalid escape token '${m[2]}' does not validate`)
      escape = m[2]
    } else if (key !== 'syntax' && key !== 'check') break // an unknown directive is a comment, and ends them
  }
  return { escape, first: i }
}

/** Instructions with their continuations joined, comments and blank lines gone. */
function* logicalLines(lines: string[], first: number, escape: string): Generator<{ line: number; text: string }> {
  let cur: { line: number; text: string } | undefined
  for (let i = first; i < lines.length; i++) {
    const raw = lines[i] as string
    if (raw.includes('\0')) throw new DockerfileError(i + 1, 'the line holds a NUL byte')
    const trimmed = raw.trim()
    if (trimmed.startsWith('#') || (!trimmed && cur)) continue
    if (!trimmed) continue
    const body = raw.replace(/\s+$/, '')
    const continues = body.endsWith(escape)
    const part = continues ? body.slice(0, -1) : body
    cur = cur ? { line: cur.line, text: cur.text + part } : { line: i + 1, text: part.replace(/^\s+/, '') }
    if (!continues) {
      yield cur
      cur = undefined
    }
  }
  if (cur) yield cur // a continuation on the last line ends the instruction, as Docker reads it
}

function instruction(text: string, line: number, escape: string): Instruction {
  const m = /^(\S+)\s*([\s\S]*)$/.exec(text)
  const word = (m?.[1] ?? '').toUpperCase()
  if (!(KEYWORDS as readonly string[]).includes(word))
    throw new DockerfileError(line, `unknown instruction: ${(m?.[1] ?? text).slice(0, 64)}`)
  const keyword = word as Keyword
  const { flags, rest } = leadingFlags(keyword, m?.[2] ?? '', line)
  const out: Instruction = { keyword, line, flags, args: rest, source: text.trim() }
  try {
    return withForm(out, escape)
  } catch (err) {
    if (err instanceof WordError) throw new DockerfileError(line, `${keyword}: ${err.message}`, { cause: err })
    throw err
  }
}

function leadingFlags(keyword: Keyword, args: string, line: number): { flags: Record<string, string>; rest: string } {
  const flags: Record<string, string> = Object.create(null) as Record<string, string>
  let rest = args
  const allowed = FLAGS[keyword] ?? []
  for (let f; (f = /^--([A-Za-z][A-Za-z0-9-]*)(?:=(\S*))?(?:\s+|$)/.exec(rest));) {
    const name = f[1] as string
    if (!allowed.includes(name)) throw new DockerfileError(line, `unknown flag: --${name} for ${keyword}`)
    if (name in flags) throw new DockerfileError(line, `duplicate flag: --${name}`)
    flags[name] = f[2] ?? 'true'
    rest = rest.slice(f[0].length)
  }
  return { flags, rest: rest.trim() }
}

function withForm(i: Instruction, escape: string): Instruction {
  const needsArgs = i.keyword !== 'HEALTHCHECK' || Object.keys(i.flags).length > 0
  if (!i.args && needsArgs) throw new DockerfileError(i.line, `${i.keyword} requires at least one argument`)
  switch (i.keyword) {
    case 'ENV':
    case 'LABEL':
      return { ...i, pairs: pairs(i, escape) }
    case 'ARG':
      return { ...i, pairs: argPairs(i, escape) }
    case 'FROM':
      return checkFrom(i, escape)
    case 'ONBUILD':
      parseTrigger(i.args, i.line, escape)
      return i
    case 'CMD':
    case 'ENTRYPOINT':
    case 'RUN':
    case 'SHELL':
    case 'COPY':
    case 'ADD':
    case 'VOLUME': {
      const exec = execForm(i.args)
      if (i.keyword === 'SHELL' && !exec)
        throw new DockerfileError(i.line, 'SHELL requires the arguments to be in JSON form')
      if ((i.keyword === 'COPY' || i.keyword === 'ADD') && (exec ? exec.length : splitRaw(i.args, escape).length) < 2)
        throw new DockerfileError(i.line, `${i.keyword} requires at least two arguments`)
      return exec ? { ...i, exec } : i
    }
    default:
      return i
  }
}

/** What ONBUILD cannot record: a trigger that would chain, start a stage, or set the author. */
const NOT_TRIGGERS: readonly Keyword[] = ['ONBUILD', 'FROM', 'MAINTAINER']

/**
 * An ONBUILD trigger (`RUN make`, as recorded in the image config's OnBuild) read as the
 * instruction it will be; DockerfileError at `line` when it is none or one ONBUILD cannot hold.
 */
export function parseTrigger(text: string, line: number, escape: string): Instruction {
  const trigger = instruction(text.trim(), line, escape)
  if (trigger.keyword === 'ONBUILD')
    throw new DockerfileError(line, 'chaining ONBUILD via `ONBUILD ONBUILD` is not allowed')
  if (NOT_TRIGGERS.includes(trigger.keyword))
    throw new DockerfileError(line, `${trigger.keyword} is not allowed as an ONBUILD trigger`)
  return trigger
}

/** Exec form: a JSON array of strings; anything else (bad JSON too) is shell form, as Docker reads it. */
export function execForm(args: string): string[] | undefined {
  if (!args.startsWith('[')) return undefined
  try {
    const v = JSON.parse(args) as unknown
    return Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : undefined
  } catch (err) {
    if (err instanceof SyntaxError) return undefined
    throw err
  }
}

/** `K=V K2="V 2"`, or the legacy `K V with spaces` (one pair). */
function pairs(i: Instruction, escape: string): Array<{ key: string; value: string }> {
  const words = splitRaw(i.args, escape)
  const first = words[0] ?? ''
  if (!first.includes('=')) {
    if (words.length < 2) throw new DockerfileError(i.line, `${i.keyword} must have two arguments`)
    return [{ key: first, value: i.args.slice(i.args.indexOf(first) + first.length).trim() }]
  }
  return words.map((w) => {
    const eq = w.indexOf('=')
    if (eq < 1) throw new DockerfileError(i.line, `${i.keyword} names must not be empty: ${w.slice(0, 64)}`)
    return { key: w.slice(0, eq), value: w.slice(eq + 1) }
  })
}

function argPairs(i: Instruction, escape: string): Array<{ key: string; value?: string }> {
  return splitRaw(i.args, escape).map((w) => {
    const eq = w.indexOf('=')
    const key = eq < 0 ? w : w.slice(0, eq)
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key))
      throw new DockerfileError(i.line, `ARG has a bad name: ${key.slice(0, 64)}`)
    return eq < 0 ? { key } : { key, value: w.slice(eq + 1) }
  })
}

function checkFrom(i: Instruction, escape: string): Instruction {
  const words = splitRaw(i.args, escape)
  const ok = words.length === 1 || (words.length === 3 && (words[1] as string).toUpperCase() === 'AS')
  if (!ok) throw new DockerfileError(i.line, 'FROM requires either one or three arguments (image [AS name])')
  if (words.length === 3 && !/^[A-Za-z][A-Za-z0-9_.-]*$/.test(words[2] as string))
    throw new DockerfileError(i.line, `invalid name for build stage: "${(words[2] as string).slice(0, 64)}"`)
  return i
}
