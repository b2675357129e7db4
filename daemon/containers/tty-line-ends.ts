/**
 * The line ends of an `exec -t` terminal, made the same every time. runc in the foreground (under
 * script, terminal.ts) clears ONLCR on the container's pty from a goroutine while the process may
 * already be running, and its own terminal (script's pty) adds a CR to every LF: a line the process
 * writes before that goroutine runs comes out CR CR LF, later ones CR LF. For `exec`, whose process
 * starts right after its pty is made, that race is lost often enough to see (about 1 in 40 under
 * load; busybox sh keeps the settings it read first, so a whole interactive session can show it).
 * CR CR LF is turned into CR LF here, so the output is the same whichever won. The cost: a CR LF
 * the process itself writes also arrives as CR LF, where Docker (ONLCR kept) gives CR CR LF; on a
 * terminal the two look the same.
 * Tests: test/unit/containers/tty-line-ends.test.ts
 */

const CR = 0x0d
const LF = 0x0a

/** A filter for one stream's chunks, in order: each returned buffer is what to send for that chunk. */
export function lineEndFilter(): (chunk: Buffer) => Buffer {
  let lastWasCr = false
  return (chunk) => {
    const out = Buffer.allocUnsafe(chunk.length)
    let n = 0
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i] as number
      // a CR followed by CR LF is dropped, also when the first CR ended the chunk before
      const next = chunk[i + 1]
      if (b === CR && next === CR && chunk[i + 2] === LF) continue
      if (b === CR && i === 0 && lastWasCr && next === LF) continue
      out[n++] = b
    }
    if (chunk.length > 0) lastWasCr = chunk[chunk.length - 1] === CR
    return n === chunk.length ? chunk : out.subarray(0, n)
  }
}
