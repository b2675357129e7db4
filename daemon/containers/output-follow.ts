/**
 * A container's output (stdout.log, stderr.log) as one byte stream in Docker's multiplexed
 * format (what its attach and logs APIs send without a terminal): frames of an 8-byte header
 * (stream 1 or 2, three zero bytes, the payload's length as uint32 big-endian), then the payload.
 * The files are opened when the reader is made, so a container removed meanwhile (`--rm`) is
 * still read to its end; following stops once the process has ended and both files are drained.
 * Order is kept within each stream, not between them (they are two files).
 * Tests: test/unit/containers/output-follow.test.ts, test/integration/container-run.test.ts
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs'
import type { ContainerPaths } from './paths.js'

export const STDOUT = 1
export const STDERR = 2
const PIECE = 64 * 1024
const IDLE_MS = 100

interface Source {
  stream: number
  fd: number
  offset: number
}

export interface OutputReader {
  /** Frames until the files end (or, following, until `ended` resolves and they are drained). */
  frames(follow: { ended: Promise<unknown>; signal: AbortSignal } | null): AsyncGenerator<Buffer>
  close(): void
}

/** Opens both logs, at their start (`logs`) or at their current end (attaching to a run about to start). */
export function openOutput(paths: ContainerPaths, from: 'start' | 'end'): OutputReader {
  const sources: Source[] = []
  for (const [stream, path] of [
    [STDOUT, paths.stdout],
    [STDERR, paths.stderr],
  ] as const) {
    const fd = openSync(path, 'a+', 0o600)
    sources.push({ stream, fd, offset: from === 'end' ? fstatSync(fd).size : 0 })
  }
  const close = () => {
    for (const s of sources.splice(0)) closeSync(s.fd)
  }
  return {
    close,
    async *frames(follow) {
      let ended = false
      void follow?.ended.then(() => (ended = true))
      const buf = Buffer.allocUnsafe(PIECE)
      for (;;) {
        const endedBefore = ended
        let got = 0
        for (const s of sources) {
          for (let n; (n = readSync(s.fd, buf, 0, PIECE, s.offset)) > 0;) {
            s.offset += n
            got += n
            yield frame(s.stream, buf.subarray(0, n))
          }
        }
        if (!follow || (endedBefore && got === 0)) return
        if (got === 0) await idle(follow.ended, follow.signal)
        follow.signal.throwIfAborted()
      }
    },
  }
}

export function frame(stream: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(8)
  header[0] = stream
  header.writeUInt32BE(payload.length, 4)
  return Buffer.concat([header, payload])
}

function idle(ended: Promise<unknown>, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, IDLE_MS)
    signal.addEventListener('abort', done)
    void ended.then(done, done)
  })
}
