/**
 * The attached stdin of `run -i` and `start -a -i`: the call's upload fed into the writer that
 * Runs.start hands over (containers/stdin-pipe.ts) once the process has started. The feed ends
 * at the upload's end (the process's EOF), when the client goes away, or when the call ends.
 */
import { feedStdin, type StdinSink } from '../containers/stdin-pipe.js'
import type { StartIo } from '../containers/runs.js'
import type { CallContext } from '../rpc/dispatch.js'

export interface StdinFeed {
  /** For Runs.start: takes the writer when there is one to feed. */
  io: Pick<StartIo, 'stdin'>
  /** Starts feeding (after the 'Started' event); the writer is closed when the feed ends. */
  begin(): void
  /** The call failed after the writer was handed over: close it (the process sees EOF). */
  abandon(): void
}

export function stdinFeed(ctx: CallContext, attached: boolean): StdinFeed {
  let sink: StdinSink | undefined
  return {
    io: attached ? { stdin: (w) => (sink = w) } : {},
    begin: () => {
      if (!sink) return
      void feedStdin(ctx.upload(), sink, true)
      sink = undefined
    },
    abandon: () => {
      sink?.close()
      sink = undefined
    },
  }
}
