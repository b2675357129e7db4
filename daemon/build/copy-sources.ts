/**
 * The sources of a COPY or ADD: each pattern (`*.txt`, `src/`, `a/b?`) matched component by
 * component inside the context or a stage's root filesystem (symlinks followed inside it,
 * scoped-path.ts), and the checksum of what they hold, for the step cache: every entry's path,
 * type, mode, size, link target and content, but not its time or owner (a context's owner is
 * always root, and a fresh checkout has fresh times), as Docker's cache checksum leaves them out.
 * Errors: INVALID_ARGUMENT when a pattern matches nothing.
 * Tests: test/unit/build/copy-sources.test.ts
 */
import { createHash, type Hash } from 'node:crypto'
import { closeSync, openSync, readdirSync, readlinkSync, readSync, type Stats } from 'node:fs'
import { join } from 'node:path'
import { notFound } from '../errors.js'
import { lstatOrNull, resolveInRoot } from './scoped-path.js'

export interface Source {
  /** The pattern as written, for messages. */
  pattern: string
  /** Host path of the match (its symlinks followed inside the root). */
  path: string
  /** Its name, for a source copied into a directory. */
  name: string
  /** Downloaded by ADD from a URL (url-source.ts): copied as it is, never unpacked. */
  remote?: boolean
}

const GLOB = /[*?[]/

/** Every match of `patterns` under `root`, in order; NOT_FOUND when one matches nothing. */
export function matchSources(root: string, patterns: string[]): Source[] {
  const out: Source[] = []
  for (const pattern of patterns) {
    const parts = pattern.split('/').filter((p) => p && p !== '.')
    const found = GLOB.test(pattern) ? walk(root, [], parts) : [parts]
    const existing = found
      .map((p) => ({ pattern, path: resolveInRoot(root, p.join('/')), name: p.at(-1) ?? '' }))
      .filter((s, i, all) => lstatOrNull(s.path) && all.findIndex((o) => o.path === s.path) === i)
    if (!existing.length)
      throw notFound(
        `COPY failed: file not found in build context or excluded by .dockerignore: stat ${pattern}: file does not exist`,
      )
    out.push(...existing)
  }
  return out
}

function walk(root: string, done: string[], rest: string[]): string[][] {
  const [head, ...tail] = rest
  if (head === undefined) return [done]
  if (!GLOB.test(head)) return walk(root, [...done, head], tail)
  const dir = resolveInRoot(root, done.join('/'))
  if (!lstatOrNull(dir)?.isDirectory()) return []
  const re = globRegExp(head)
  return readdirSync(dir)
    .filter((n) => re.test(n))
    .sort()
    .flatMap((n) => walk(root, [...done, n], tail))
}

/** A path component's glob (`*`, `?`, `[a-z]`, `[!x]`, `\x`) as a regular expression. */
export function globRegExp(glob: string): RegExp {
  let re = ''
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i] as string
    if (ch === '*') re += '[^/]*'
    else if (ch === '?') re += '[^/]'
    else if (ch === '\\' && i + 1 < glob.length) re += escapeRe(glob[++i] as string)
    else if (ch === '[') {
      const end = glob.indexOf(']', i + 2)
      if (end < 0) re += '\\['
      else {
        const body = glob
          .slice(i + 1, end)
          .replace(/^[!^]/, '^')
          .replace(/\\/g, '\\\\')
        re += `[${body}]`
        i = end
      }
    } else re += escapeRe(ch)
  }
  return new RegExp(`^${re}$`, 's')
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')

/** `file:<hex>` for one file, `dir:<hex>` otherwise, over the sources' contents. */
export function checksumOf(sources: Source[]): string {
  const hash = createHash('sha256')
  for (const s of sources) {
    hash.update(`source ${s.name}\0`)
    hashEntry(hash, s.path, '.')
  }
  const single = sources.length === 1 && lstatOrNull((sources[0] as Source).path)?.isFile()
  return `${single ? 'file' : 'dir'}:${hash.digest('hex')}`
}

function hashEntry(hash: Hash, path: string, rel: string): void {
  const st = lstatOrNull(path) as Stats
  hash.update(`${rel}\0${st.mode}\0${st.isFile() ? st.size : 0}\0`)
  if (st.isSymbolicLink()) hash.update(`${readlinkSync(path)}\0`)
  else if (st.isFile()) hashFile(hash, path)
  else if (st.isDirectory()) for (const n of readdirSync(path).sort()) hashEntry(hash, join(path, n), `${rel}/${n}`)
}

function hashFile(hash: Hash, path: string): void {
  const fd = openSync(path, 'r')
  try {
    const buf = Buffer.allocUnsafe(1024 * 1024)
    for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0;) hash.update(buf.subarray(0, n))
  } finally {
    closeSync(fd)
  }
}
