/** Types for tests-headers.mjs (plain JavaScript so the lint step needs no build). */
export interface HeaderCheck {
  /** Relative to the repository root. */
  module: string
  hasHeader: boolean
  hasClause: boolean
  /** The paths and globs the header names as tests. */
  paths: string[]
  /** Those that match no file. */
  missing: string[]
}
export function modulesToCheck(root: string): string[]
export function headerLines(text: string): string[] | null
export function pathsIn(text: string): string[]
export function namedTests(lines: string[]): { hasClause: boolean; paths: string[] }
export function expand(root: string, path: string): string[]
export function checkHeaders(root: string): HeaderCheck[]
