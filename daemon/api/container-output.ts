/**
 * What `run` and `start -a` do after starting: send the process's output (opened before it
 * started, containers/output-follow.ts) until it ends and both logs are drained, then answer
 * with its exit. A client that goes away stops the stream only: the process runs on, detached.
 */
import type { ContainerExit } from '../../client/protocol.js'
import type { ExitInfo } from '../containers/runs.js'
import type { OutputReader } from '../containers/output-follow.js'
import { sendStream } from '../rpc/send-stream.js'
import type { CallContext } from '../rpc/dispatch.js'

export async function streamUntilExit(
  ctx: CallContext,
  reader: OutputReader,
  exited: Promise<ExitInfo>,
): Promise<ContainerExit> {
  try {
    await sendStream(ctx, reader.frames({ ended: exited, signal: ctx.signal }))
  } finally {
    reader.close()
  }
  const exit = await exited
  return { exitCode: exit.exitCode, ...(exit.error ? { error: exit.error } : {}) }
}
