/**
 * What a method handler is and sees, and how an error becomes a wire error. The method table
 * itself is built in api/ (one file per method); rpc/ only runs it.
 */
import { StrataError, type ProgressEvent, type WireError } from '../../client/protocol.js'
import type { Logger } from '../log.js'
import type { Peer } from './peer-cred.js'

export interface CallContext {
  readonly peer: Peer
  /** Aborted when the client cancels the call, disconnects, or the daemon gives up on it. */
  readonly signal: AbortSignal
  readonly log: Logger
  /** The bytes the client uploads with this call (methods with `upload`); ends at its `end` frame. */
  upload(): AsyncIterable<Buffer>
  /** Sends bytes to the client (methods with `download`); resolves when more may be sent. */
  send(chunk: Uint8Array): Promise<void>
  /** A progress event for the client; never blocks (events are small and may be coalesced). */
  progress(event: ProgressEvent): void
}

export interface MethodDef {
  handler(params: unknown, ctx: CallContext): Promise<unknown>
  upload?: boolean
  download?: boolean
  /** Only uid 0 may call it (it acts on arbitrary host paths). */
  rootOnly?: boolean
}
export type MethodTable = Readonly<Record<string, MethodDef>>

/** StrataErrors cross as they are; anything else is INTERNAL and logged with its stack. */
export function toWireError(err: unknown, method: string, log: Logger): WireError {
  if (err instanceof StrataError) return { code: err.code, message: err.message }
  log.error('unexpected error in RPC method, answering INTERNAL', { method, err, stack: (err as Error)?.stack })
  return { code: 'INTERNAL', message: `internal error in ${method}: ${(err as Error)?.message ?? String(err)}` }
}
