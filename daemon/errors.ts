/**
 * Constructors for the RPC boundary's StrataError (client/protocol.ts), one per code, so a
 * handler says `throw notFound(...)` and the code is never a bare string at the call site.
 */
import { StrataError, type ErrorCode } from '../client/protocol.js'

const make =
  (code: ErrorCode) =>
  (message: string, options?: ErrorOptions): StrataError =>
    new StrataError(code, message, options)

export const notFound = make('NOT_FOUND')
export const conflict = make('CONFLICT')
export const inUse = make('IN_USE')
export const invalidArgument = make('INVALID_ARGUMENT')
export const permissionDenied = make('PERMISSION_DENIED')
export const unavailable = make('UNAVAILABLE')
export const internal = make('INTERNAL')
