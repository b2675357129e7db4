/**
 * An image's names as Docker's reference store holds them: its tags (`repo:tag`, tag records) and
 * the digests it was pulled or pushed as (`repo@sha256:…`, kept in its image record), in Docker's
 * order (by full name, so a repository's tags come before its digests). Says what `rmi NAME` drops
 * (the name and, when it was a repository's last tag, that repository's digests, as Docker does)
 * and whether the names are a "single reference" (one repository, at most one tag: rmi by ID
 * deletes such an image without -f).
 * Never: reads or writes the database; callers pass the records.
 * Tests: test/unit/store/image-names.test.ts
 */
import { canonical, familiar, parseReference, type Reference } from '../reference.js'

export interface ImageName {
  kind: 'tag' | 'digest'
  ref: Reference
  /** As stored: the tag record's canonical ref, or the string in the image's `digests`. */
  stored: string
}

/** Tags (canonical refs, as tag records hold them) and digests (as image records hold them). */
export function namesOf(tags: string[], digests: string[]): ImageName[] {
  const names: ImageName[] = [
    ...tags.map((stored) => ({ kind: 'tag' as const, ref: parseReference(stored), stored })),
    ...digests.map((stored) => ({ kind: 'digest' as const, ref: parseReference(stored), stored })),
  ]
  return names.sort((a, b) => (canonical(a.ref) < canonical(b.ref) ? -1 : canonical(a.ref) > canonical(b.ref) ? 1 : 0))
}

/** A reference without its tag when it has a digest: Docker looks a `repo:tag@digest` up by digest. */
export function digestOnly(ref: Reference): Reference {
  return ref.digest ? { domain: ref.domain, path: ref.path, digest: ref.digest } : ref
}

/** Whether a stored digest (`repo@sha256:…`) is the one `ref` names. */
export function isDigestOf(stored: string, ref: Reference): boolean {
  return ref.digest !== undefined && canonical(parseReference(stored)) === canonical(digestOnly(ref))
}

const repoOf = (r: Reference): string => `${r.domain}/${r.path}`

/**
 * What `rmi ref` removes of `names`: the name itself, and when it is a tag and no other tag of
 * its repository is left, that repository's digests too. Empty when `ref` is not among them.
 */
export function dropsWith(ref: Reference, names: ImageName[]): ImageName[] {
  const own = names.find((n) => canonical(n.ref) === canonical(ref))
  if (!own) return []
  if (own.kind === 'digest') return [own]
  const repo = repoOf(own.ref)
  const otherTags = names.some((n) => n.kind === 'tag' && n !== own && repoOf(n.ref) === repo)
  return [own, ...(otherTags ? [] : names.filter((n) => n.kind === 'digest' && repoOf(n.ref) === repo))]
}

/** Docker's isSingleReference: all names in one repository, with at most one tag; false for none. */
export function isSingleReference(names: ImageName[]): boolean {
  if (!names.length) return false
  const repos = new Set(names.map((n) => repoOf(n.ref)))
  return repos.size === 1 && names.filter((n) => n.kind === 'tag').length <= 1
}

/** As `rmi` prints it: `busybox:latest`, `busybox@sha256:…`. */
export const printed = (n: ImageName): string => familiar(n.ref)
