/**
 * What `run` and `start -a` do after starting: send the process's output (opened before it
 * started, containers/output-follow.ts) until it ends and both logs are drained, then answer
 * with its exit. A client that goes away stops the stream only: the process runs on, detached.
 */
import type { ContainerExit } from '../../client/protocol.js'
import type { ExitInfo } from '../containers/runs.js'
import type { OutputReader } from '../containers/output-follow.js'
import type { CallContext } from '../rpc/dispatch.js'

/**
 * Sends each frame as it comes (sendStream gathers pieces into 256 KiB chunks, which would hold
 * a live process's lines back); the credit window still bounds what is in flight. The byte count.
 */
export async function sendLive(ctx: CallContext, frames: AsyncIterable<Buffer>): Promise<number> {
  let bytes = 0
  for await (const f of frames) {
    ctx.signal.throwIfAborted()
    await ctx.send(f)
    bytes += f.length
  }
  return bytes
}

export async function streamUntilExit(
  ctx: CallContext,
  reader: OutputReader,
  exited: Promise<ExitInfo>,
): Promise<ContainerExit> {
  try {
    await sendLive(ctx, reader.frames({ ended: exited, signal: ctx.signal }))
  } finally {
    reader.close()
  }
  const exit = await exited
  return { exitCode: exit.exitCode, ...(exit.error ? { error: exit.error } : {}) }
}
