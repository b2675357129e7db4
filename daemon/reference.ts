/**
 * Image references with Docker's normalisation: `[host[:port]/]path[:tag][@digest]`.
 * `busybox` is docker.io/library/busybox:latest; a first component with a dot or a colon, or
 * `localhost`, is a registry host; names are lowercase. `familiar` gives the short form Docker
 * prints (`busybox:latest`, `myhost:5000/team/app:v1`).
 * Errors: INVALID_ARGUMENT naming what is wrong.
 * Tests: test/unit/daemon/reference.test.ts
 */
import { invalidArgument } from './errors.js'

export interface Reference {
  domain: string
  /** Repository path inside the registry, e.g. library/busybox. */
  path: string
  tag?: string
  digest?: string
}

export const DEFAULT_DOMAIN = 'docker.io'
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/
const TAG = /^[\w][\w.-]{0,127}$/
const DIGEST = /^sha256:[0-9a-f]{64}$/
const DOMAIN =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?))*(?::[0-9]+)?$|^\[[0-9a-fA-F:]+\](?::[0-9]+)?$/

export function parseReference(input: string): Reference {
  if (typeof input !== 'string' || !input || input.length > 255 + 128 + 72)
    throw invalidArgument(`invalid reference format: ${JSON.stringify(input)}`)
  let rest = input
  let digest: string | undefined
  const at = rest.indexOf('@')
  if (at >= 0) {
    digest = rest.slice(at + 1)
    rest = rest.slice(0, at)
    if (!DIGEST.test(digest)) throw invalidArgument(`invalid digest in reference ${input}`)
  }
  let tag: string | undefined
  const colon = rest.lastIndexOf(':')
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1)
    rest = rest.slice(0, colon)
    if (!TAG.test(tag)) throw invalidArgument(`invalid tag in reference ${input}`)
  }
  const parts = rest.split('/')
  let domain = DEFAULT_DOMAIN
  const first = parts[0] as string
  if (
    parts.length > 1 &&
    (first.includes('.') || first.includes(':') || first === 'localhost' || /[A-Z]/.test(first))
  ) {
    if (!DOMAIN.test(first)) throw invalidArgument(`invalid registry host in reference ${input}`)
    domain = first
    parts.shift()
  }
  if (domain === 'index.docker.io') domain = DEFAULT_DOMAIN
  for (const p of parts) {
    if (/[A-Z]/.test(p)) throw invalidArgument(`invalid reference format: repository name must be lowercase (${input})`)
    if (!COMPONENT.test(p)) throw invalidArgument(`invalid reference format: ${JSON.stringify(input)}`)
  }
  if (domain === DEFAULT_DOMAIN && parts.length === 1) parts.unshift('library')
  const path = parts.join('/')
  if (path.length > 255) throw invalidArgument(`repository name is longer than 255 characters (${input})`)
  return { domain, path, tag, digest }
}

/** The reference with Docker's default tag when it has neither a tag nor a digest. */
export function withDefaultTag(r: Reference): Reference {
  return r.tag || r.digest ? r : { ...r, tag: 'latest' }
}

/** The repository as Docker prints it: docker.io/library/x is x, docker.io/u/x is u/x. */
export function familiarName(r: Reference): string {
  if (r.domain !== DEFAULT_DOMAIN) return `${r.domain}/${r.path}`
  return r.path.startsWith('library/') && r.path.split('/').length === 2 ? r.path.slice('library/'.length) : r.path
}

export function familiar(r: Reference): string {
  return `${familiarName(r)}${r.tag ? `:${r.tag}` : ''}${r.digest ? `@${r.digest}` : ''}`
}

/** The full form, as keys are stored: docker.io/library/busybox:latest. */
export function canonical(r: Reference): string {
  return `${r.domain}/${r.path}${r.tag ? `:${r.tag}` : ''}${r.digest ? `@${r.digest}` : ''}`
}
