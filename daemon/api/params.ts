/** Shape checks for RPC params: what arrives is untrusted msgpack, so each handler checks first. */
import { isAbsolute } from 'node:path'
import { invalidArgument, permissionDenied } from '../errors.js'

export function objectParams(params: unknown, method: string): Record<string, unknown> {
  if (typeof params !== 'object' || params === null || Array.isArray(params))
    throw invalidArgument(`${method}: params must be a map`)
  return params as Record<string, unknown>
}

export function stringParam(p: Record<string, unknown>, key: string, method: string): string {
  const v = p[key]
  if (typeof v !== 'string' || !v) throw invalidArgument(`${method}: ${key} must be a non-empty string`)
  return v
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
