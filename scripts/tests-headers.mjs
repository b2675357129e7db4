/**
 * Checks that the tests a module's header names exist. The header is the first /** *\/ comment
 * (after a #! line); its `Tests:` clause runs to the next `Label:` line or the comment's end and
 * may name several paths (separated by commas or 'and', with prose around them) and globs
 * (test/unit/overlay/*.test.ts: at least one file must match). A test/… path cited anywhere
 * else in the header must exist too. Paths are relative to the repository root.
 * Tests: test/unit/architecture/tests-headers.test.ts
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { tsFilesUnder } from './import-graph.mjs'

/** The modules whose headers are checked, relative to root. */
export function modulesToCheck(root) {
  const native = join(root, 'native-bindings')
  const files = [
    ...tsFilesUnder(join(root, 'daemon')),
    ...tsFilesUnder(join(root, 'client')),
    ...readdirSync(native)
      .filter((name) => name.endsWith('.ts') && !name.endsWith('.d.ts'))
      .map((name) => join(native, name)),
    ...tsFilesUnder(join(root, 'bench')),
  ]
  return files.map((file) => relative(root, file)).sort()
}

/** The first /** *\/ comment's lines without their leading ' * ', or null when there is none. */
export function headerLines(text) {
  const body = text.replace(/^#![^\n]*\n/, '').trimStart()
  if (!body.startsWith('/**')) return null
  const end = body.indexOf('*/')
  if (end < 0) return null
  return body
    .slice(3, end)
    .split('\n')
    .map((line) => line.replace(/^\s*\*?\s?/, '').trimEnd())
}

/** The path-like words of a text: ones with a '/' in them, trimmed of punctuation. */
export function pathsIn(text) {
  return text
    .split(/[\s,;()]+/)
    .map((word) => word.replace(/^[`'"]+|[`'".:]+$/g, ''))
    .filter((word) => /^[\w.*?@-]+(\/[\w.*?@-]+)+\/?$/.test(word))
}

/** The paths named by a header: its Tests: clause, and test/… paths anywhere else in it. */
export function namedTests(lines) {
  const clause = []
  const elsewhere = []
  let inClause = false
  for (const line of lines) {
    const label = /^([A-Z][\w -]*):(\s|$)/.exec(line)
    if (label) inClause = label[1] === 'Tests'
    if (inClause) clause.push(label ? line.slice(label[0].length) : line)
    else elsewhere.push(line)
  }
  const inClausePaths = pathsIn(clause.join(' '))
  const cited = pathsIn(elsewhere.join(' ')).filter((path) => path.startsWith('test/'))
  return { hasClause: clause.length > 0, paths: [...new Set([...inClausePaths, ...cited])] }
}

function segmentPattern(segment) {
  const escaped = segment.replace(/[.+^${}()|[\]\\]/g, '\\$&')
  return new RegExp(`^${escaped.replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')}$`)
}

/** The files and directories under root that a path matches ('*' and '?' within a name, '**' any depth). */
export function expand(root, path) {
  let found = ['']
  for (const segment of path.split('/').filter((s) => s !== '')) {
    const next = []
    for (const base of found) {
      const dir = join(root, base)
      if (segment === '**') {
        const stack = [base]
        while (stack.length > 0) {
          const current = stack.pop()
          next.push(current)
          for (const entry of safeReaddir(join(root, current)))
            if (entry.isDirectory()) stack.push(join(current, entry.name))
        }
      } else if (/[*?]/.test(segment)) {
        const pattern = segmentPattern(segment)
        for (const entry of safeReaddir(dir)) if (pattern.test(entry.name)) next.push(join(base, entry.name))
      } else if (existsSync(join(dir, segment))) {
        next.push(join(base, segment))
      }
    }
    found = [...new Set(next)]
  }
  return found.sort()
}

function safeReaddir(dir) {
  try {
    return readdirSync(dir, { withFileTypes: true })
  } catch (err) {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return []
    throw err
  }
}

/**
 * Every module's header checked: { module, hasHeader, hasClause, paths, missing } per module,
 * where missing lists the named paths (or globs) that match nothing.
 */
export function checkHeaders(root) {
  return modulesToCheck(root).map((module) => {
    const lines = headerLines(readFileSync(join(root, module), 'utf8'))
    if (lines === null) return { module, hasHeader: false, hasClause: false, paths: [], missing: [] }
    const { hasClause, paths } = namedTests(lines)
    const missing = paths.filter((path) => expand(root, path).length === 0)
    return { module, hasHeader: true, hasClause, paths, missing }
  })
}
