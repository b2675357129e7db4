/**
 * `.dockerignore`, read as Docker's CLI reads it: one pattern a line, `#` comments, whitespace
 * trimmed, each pattern cleaned (`.` and `..` folded, a leading `/` dropped), `!` for an
 * exception; `*` and `?` within a path component, `**` across any number of them, `[a-z]` classes,
 * `\` escapes. A path is excluded when the last pattern that matches it, or one of its parent
 * directories, is not an exception.
 * Pure.
 * Tests: test/unit/client/cli/dockerignore.test.ts
 */
import { posix } from 'node:path'

export interface IgnorePattern {
  text: string
  exception: boolean
  re: RegExp
}

export function parseDockerignore(text: string): IgnorePattern[] {
  const out: IgnorePattern[] = []
  for (const raw of text.split(/\r?\n/)) {
    let line = raw.trim()
    if (!line || line.startsWith('#')) continue
    const exception = line.startsWith('!')
    if (exception) line = line.slice(1).trim()
    const clean = posix.normalize(line).replace(/^\/+/, '').replace(/\/+$/, '')
    if (!clean || clean === '.') continue
    out.push({ text: clean, exception, re: patternRegExp(clean) })
  }
  return out
}

/** Whether `path` (relative to the context, `/`-separated) is left out. */
export function isExcluded(patterns: IgnorePattern[], path: string): boolean {
  const candidates = parentsAndSelf(path)
  let excluded = false
  for (const p of patterns) if (candidates.some((c) => p.re.test(c))) excluded = !p.exception
  return excluded
}

/** Whether a walk must look inside an excluded directory (an exception may bring back something in it). */
export const hasExceptions = (patterns: IgnorePattern[]): boolean => patterns.some((p) => p.exception)

function parentsAndSelf(path: string): string[] {
  const parts = path.split('/')
  return parts.map((_, i) => parts.slice(0, i + 1).join('/'))
}

export function patternRegExp(p: string): RegExp {
  let re = ''
  for (let i = 0; i < p.length; i++) {
    const ch = p[i] as string
    if (ch === '*' && p[i + 1] === '*') {
      i++
      if (p[i + 1] === '/') {
        i++
        re += '(?:.*/)?'
      } else re += '.*'
    } else if (ch === '*') re += '[^/]*'
    else if (ch === '?') re += '[^/]'
    else if (ch === '\\' && i + 1 < p.length) re += escapeRe(p[++i] as string)
    else if (ch === '[') {
      const end = p.indexOf(']', i + 2)
      if (end < 0) re += '\\['
      else {
        re += `[${p
          .slice(i + 1, end)
          .replace(/^[!^]/, '^')
          .replace(/\\/g, '\\\\')}]`
        i = end
      }
    } else re += escapeRe(ch)
  }
  return new RegExp(`^${re}$`, 's')
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
