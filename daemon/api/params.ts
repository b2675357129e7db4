/**
 * Shape checks for RPC params: what arrives is untrusted msgpack, so each handler checks first.
 * `checkParams` gives a method's params as their client/protocol.ts type, one check per field
 * (the type makes a field without its check a compile error), so no handler casts what came in.
 * Tests: test/unit/api/params.test.ts
 */
import { isAbsolute } from 'node:path'
import { invalidArgument, permissionDenied } from '../errors.js'

export function objectParams(params: unknown, method: string): Record<string, unknown> {
  if (typeof params !== 'object' || params === null || Array.isArray(params))
    throw invalidArgument(`${method}: params must be a map`)
  return params as Record<string, unknown>
}

export function stringParam(p: Record<string, unknown>, key: string, method: string): string {
  return nonEmpty(p[key], key, method)
}

export function boolParam(p: Record<string, unknown>, key: string, method: string): boolean {
  const v = p[key]
  if (v === undefined) return false
  if (typeof v !== 'boolean') throw invalidArgument(`${method}: ${key} must be true or false`)
  return v
}

/** An optional mount path: absolute, and a path of the caller's choosing is for root only. */
export function targetParam(p: Record<string, unknown>, uid: number): string | undefined {
  const target = typeof p.target === 'string' && p.target ? p.target : undefined
  if (target !== undefined && !isAbsolute(target)) throw invalidArgument('the mount path must be absolute')
  if (target !== undefined && uid !== 0) throw permissionDenied('mounting at a path of your choosing is for root only')
  return target
}

/** One field's check: its value as the protocol type has it, or INVALID_ARGUMENT. */
export type Check<T> = (v: unknown, key: string, method: string) => T
/** A check for every field of P, optional ones included. */
export type Checks<P> = { [K in keyof P]-?: Check<P[K]> }

/** `params` as P: a map, each field passed through its check (fields P does not name are dropped). */
export function checkParams<P>(params: unknown, method: string, checks: Checks<P>): P {
  return fields(objectParams(params, method), method, checks)
}

/** A field that is itself a map of checked fields. */
export function nested<P>(checks: Checks<P>): Check<P> {
  return (v, key, method) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v))
      throw invalidArgument(`${method}: ${key} must be a map`)
    return fields(v as Record<string, unknown>, method, checks)
  }
}

function fields<P>(p: Record<string, unknown>, method: string, checks: Checks<P>): P {
  const out: Partial<P> = {}
  for (const key of Object.keys(checks) as Array<keyof P & string>) out[key] = checks[key](p[key], key, method)
  return out as P
}

export const nonEmpty: Check<string> = (v, key, method) => {
  if (typeof v !== 'string' || !v) throw invalidArgument(`${method}: ${key} must be a non-empty string`)
  return v
}

/** Optional text, read leniently (as these fields always were): anything but a non-empty string is absent. */
export const optionalText: Check<string | undefined> = (v) => (typeof v === 'string' && v ? v : undefined)

/** An optional list, each item as text; anything but a list is absent. */
export const textList: Check<string[] | undefined> = (v) => (Array.isArray(v) ? v.map(String) : undefined)

/** A flag that is on only when true. */
export const onlyIfTrue: Check<boolean> = (v) => v === true

/** A flag that is on unless false (a default of true). */
export const unlessFalse: Check<boolean> = (v) => v !== false

/** An optional host path given as text; whether it is absolute and exists is the callee's check. */
export const optionalPath: Check<string | undefined> = (v, key) => {
  if (v === undefined) return undefined
  if (typeof v !== 'string') throw invalidArgument(`${key} must be an absolute path`)
  return v
}
