/**
 * The sender's loop of the stream rule (protocol.ts): bytes leave in chunk frames of at most
 * STREAM_CHUNK_BYTES, each only once the call's CreditWindow has room for it, and no more are
 * written while the socket's buffer is full. The client uploads with it and the daemon downloads
 * with it (daemon/rpc/connection.ts), so both sides keep the rule the same way.
 * Tests: test/unit/client/send-chunks.test.ts, test/integration/rpc-server.test.ts
 */
import { STREAM_CHUNK_BYTES, type CreditWindow } from './protocol.js'

export interface ChunkSink {
  /** The call's window: acks from the receiver give credit back. */
  window: CreditWindow
  /** Writes one `{id, chunk}` frame; false when the socket's buffer is full. */
  write(chunk: Uint8Array): boolean
  /** Resolves when the socket has drained; may reject when the call ends meanwhile. */
  drained(): Promise<void>
}

export async function sendChunks(data: Uint8Array, sink: ChunkSink): Promise<void> {
  for (let off = 0; off < data.length; off += STREAM_CHUNK_BYTES) {
    const chunk = data.subarray(off, off + STREAM_CHUNK_BYTES)
    await sink.window.reserve(chunk.length)
    if (!sink.write(chunk)) await sink.drained()
  }
}
