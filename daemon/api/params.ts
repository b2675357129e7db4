/**
 * The one check of RPC params. What arrives is untrusted msgpack, so api/index.ts runs every call's
 * params through `checkParams` against its method's schema (client/protocol.ts PARAMS) before the
 * handler sees them; a handler then has its params as their protocol type, with no cast and no
 * check of its own beyond what a type cannot say (an absolute path, a known filter name).
 * Errors: INVALID_ARGUMENT naming the method, the field (`spec.upperdir`) and what came instead.
 * Tests: test/unit/api/params.test.ts, test/integration/rpc-params.test.ts
 */
import { isAbsolute } from 'node:path'
import { PARAMS, type FieldSchema, type MethodName, type ParamsOf, type ResultOf } from '../../client/protocol.js'
import { invalidArgument, permissionDenied } from '../errors.js'
import type { CallContext, MethodDef } from '../rpc/dispatch.js'

/** A method as api/ writes it: its handler takes the checked params and gives the declared result. */
export interface ApiMethod<M extends MethodName> extends Omit<MethodDef, 'handler'> {
  handler(params: ParamsOf<M>, ctx: CallContext): Promise<ResultOf<M>>
}

/** The method as rpc/ runs it: its params checked first, whatever arrived. */
export function checked<M extends MethodName>(method: M, def: ApiMethod<M>): MethodDef {
  return { ...def, handler: async (params, ctx) => def.handler(checkParams(method, params), ctx) }
}

/** `params` as the method's params type: each field checked, absent ones left out, others dropped. */
export function checkParams<M extends MethodName>(method: M, params: unknown): ParamsOf<M> {
  return fields(PARAMS[method], params, '', method) as ParamsOf<M>
}

/** An optional mount path: absolute, and a path of the caller's choosing is for root only. */
export function targetParam(target: string | undefined, uid: number): string | undefined {
  if (!target) return undefined
  if (!isAbsolute(target)) throw invalidArgument('the mount path must be absolute')
  if (uid !== 0) throw permissionDenied('mounting at a path of your choosing is for root only')
  return target
}

type Schema = Readonly<Record<string, FieldSchema>>

function fields(schema: Schema, v: unknown, where: string, method: string): Record<string, unknown> {
  if (!isMap(v)) throw wrongType(method, where || 'params', 'a map', v)
  const out: Record<string, unknown> = {}
  for (const [key, kind] of Object.entries(schema)) {
    const value = field(kind, v[key], where ? `${where}.${key}` : key, method)
    if (value !== undefined) out[key] = value
  }
  return out
}

function field(kind: FieldSchema, v: unknown, name: string, method: string): unknown {
  // nil counts as absent: it is how a client in another language says "not set".
  const absent = v === undefined || v === null
  if (typeof kind === 'object') return absent && kind.optional ? undefined : fields(kind.fields, v, name, method)
  if (absent && kind.endsWith('?')) return undefined
  switch (kind) {
    case 'string':
      if (typeof v !== 'string' || !v) throw wrongType(method, name, 'a non-empty string', v)
      return v
    case 'string?':
      if (typeof v !== 'string') throw wrongType(method, name, 'a string', v)
      return v
    case 'boolean':
    case 'boolean?':
      if (absent) return false
      if (typeof v !== 'boolean') throw wrongType(method, name, 'true or false', v)
      return v
    case 'strings':
    case 'strings?':
      return strings(v, name, method)
    case 'number?':
      if (typeof v !== 'number' || !Number.isFinite(v)) throw wrongType(method, name, 'a number', v)
      return v
    case 'filters?': {
      if (!isMap(v)) throw wrongType(method, name, 'a map of lists of strings', v)
      const out: Record<string, string[]> = Object.create(null) // a filter named __proto__ is only a name
      for (const [k, list] of Object.entries(v)) out[k] = strings(list, `${name}.${k}`, method)
      return out
    }
    case 'auths?': {
      if (!isMap(v)) throw wrongType(method, name, 'a map of registry logins', v)
      const out: Record<string, unknown> = Object.create(null) // a registry named __proto__ is only a name
      for (const [k, login] of Object.entries(v)) out[k] = fields(LOGIN, login, `${name}.${k}`, method)
      return out
    }
  }
}

/** One registry login of an 'auths?' map. */
const LOGIN: Schema = { username: 'string', password: 'string' }

function strings(v: unknown, name: string, method: string): string[] {
  if (!Array.isArray(v)) throw wrongType(method, name, 'a list of strings', v)
  v.forEach((item, i) => {
    if (typeof item !== 'string') throw wrongType(method, `${name}[${i}]`, 'a string', item)
  })
  return v as string[]
}

/** A msgpack map: a plain object (lists and bytes are objects too, but not maps). */
function isMap(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false
  const proto = Object.getPrototypeOf(v) as unknown
  return proto === Object.prototype || proto === null
}

function wrongType(method: string, name: string, want: string, got: unknown) {
  return invalidArgument(`${method}: ${name} must be ${want} (got ${described(got)})`)
}

function described(v: unknown): string {
  if (v === undefined || v === null) return 'nothing'
  if (Array.isArray(v)) return 'a list'
  if (v instanceof Uint8Array) return 'bytes'
  if (typeof v === 'string') return v ? 'a string' : 'an empty string'
  if (typeof v === 'object') return 'a map'
  return `a ${typeof v}`
}
