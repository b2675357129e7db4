/**
 * The client side of a container's output stream (run, start -a, logs, exec): Docker's
 * multiplexed frames (an 8-byte header: stream 1 or 2, three zero bytes, uint32 BE length; then
 * the payload) written out to this process's stdout and stderr as they arrive.
 * Tests: test/unit/client/cli/output-frames.test.ts
 */
import { Writable } from 'node:stream'

export interface Outputs {
  stdout: NodeJS.WritableStream
  stderr: NodeJS.WritableStream
}

/** A sink for a call's download that writes each frame's payload to its stream. */
export function demultiplexer(out: Outputs = { stdout: process.stdout, stderr: process.stderr }): Writable {
  let pending: Buffer = Buffer.alloc(0)
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk
      const writes: Array<Promise<void>> = []
      while (pending.length >= 8) {
        const len = pending.readUInt32BE(4)
        if (pending.length < 8 + len) break
        const target = pending[0] === 2 ? out.stderr : out.stdout
        const payload = pending.subarray(8, 8 + len)
        writes.push(new Promise((resolve) => (target.write(payload) ? resolve() : target.once('drain', resolve))))
        pending = pending.subarray(8 + len)
      }
      Promise.all(writes).then(() => done(), done)
    },
  })
}
