/**
 * Content identities (design.md, "Identity and references"): digests are `sha256:<64 hex>`;
 * chainID(L1) = diffID(L1), chainID(Ln) = sha256(chainID(Ln-1) + " " + diffID(Ln)). Ids are
 * branded strings made only by the parse functions here, so no bare string crosses a module.
 */
import { createHash } from 'node:crypto'
import { invalidArgument } from './errors.js'

export type DiffId = string & { readonly brand: 'DiffId' }
export type ChainId = string & { readonly brand: 'ChainId' }

const DIGEST = /^sha256:[0-9a-f]{64}$/

export const isDigest = (v: unknown): v is string => typeof v === 'string' && DIGEST.test(v)

function parse<T extends string>(v: unknown, what: string): T {
  if (!isDigest(v)) throw invalidArgument(`${what} ${JSON.stringify(v)} is not a sha256 digest`)
  return v as T
}

export const parseDiffId = (v: unknown): DiffId => parse<DiffId>(v, 'diffID')
export const parseChainId = (v: unknown): ChainId => parse<ChainId>(v, 'chainID')

export const sha256 = (data: string | Buffer): string => `sha256:${createHash('sha256').update(data).digest('hex')}`

export function chainIdOf(parent: ChainId | null, diffId: DiffId): ChainId {
  return (parent === null ? diffId : sha256(`${parent} ${diffId}`)) as ChainId
}

/** The hex part, for directory names. */
export const hexOf = (digest: string): string => digest.slice('sha256:'.length)
