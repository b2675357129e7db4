/**
 * A process's stdin fed from a client (`run -i`, `start -a -i`, `exec -i`): the call's upload
 * written into a sink with backpressure (a chunk is taken from the upload only when the last one
 * was written, so a process that does not read holds the client back through the RPC window).
 * For a container's process, which its monitor runs and which outlives stratad, the sink is the
 * FIFO `stdin` in the container's home: stratad opens it read-write (a writer, so that the open
 * for reading that follows does not block), then for reading, and gives the monitor that read
 * end as its stdin, so the pipe has its reader before a byte is written and keeps what is
 * written before the process reads; closing stratad's writer is the process's EOF, and so is a
 * stratad that ends.
 * Errors: none of its own; an upload that fails (client gone) ends the feed like an EOF.
 * Tests: test/integration/container-interactive.test.ts
 */
import { execFileSync } from 'node:child_process'
import { closeSync, constants, openSync, rmSync } from 'node:fs'
import { Socket } from 'node:net'
import type { Writable } from 'node:stream'

export interface StdinSink {
  write(chunk: Buffer): Promise<void>
  /** The EOF (or, once the process ended, letting go). */
  close(): void
}

export interface StdinFifo {
  /** The read end, for the monitor's stdin (blocking, as a process expects its stdin). */
  readFd: number
  /** The writer when fed; call after the monitor started (it has its own copy of readFd). */
  started(fed: boolean): StdinSink | undefined
  /** Closes what stratad holds (the monitor could not start). */
  close(): void
}

/** Makes the container's stdin FIFO afresh (mode 0600: root's, as its home is) and opens both ends. */
export function openStdinFifo(path: string): StdinFifo {
  rmSync(path, { force: true })
  execFileSync('mkfifo', ['-m', '600', path])
  const writeFd = openSync(path, constants.O_RDWR | constants.O_NONBLOCK)
  let readFd: number
  try {
    readFd = openSync(path, constants.O_RDONLY) // does not block: there is a writer
  } catch (err) {
    closeSync(writeFd)
    throw err
  }
  return {
    readFd,
    started: (fed) => {
      closeSync(readFd)
      if (fed) return fifoSink(writeFd)
      closeSync(writeFd)
      return undefined
    },
    close: () => {
      closeSync(readFd)
      closeSync(writeFd)
    },
  }
}

/** The FIFO's writer, non-blocking: a full pipe holds the feed back instead of a thread. */
function fifoSink(fd: number): StdinSink {
  const socket = new Socket({ fd, readable: false, writable: true })
  socket.on('error', () => socket.destroy()) // the write that failed reports it
  return {
    write: (chunk) => written(socket, chunk),
    close: () => socket.destroy(), // not end(): a FIFO cannot be shut down like a socket
  }
}

/** A child's stdin pipe as a sink. */
export function streamSink(stream: Writable): StdinSink {
  stream.on('error', () => undefined) // EPIPE when the process closed its stdin: its write reports it
  return { write: (chunk) => written(stream, chunk), close: () => stream.end() }
}

/**
 * Copies `source` into `sink` until the source ends (then closes the sink when `eofCloses`) or a
 * write fails (the process closed its stdin or ended: the rest is dropped, as a pipe would).
 */
export async function feedStdin(source: AsyncIterable<Buffer>, sink: StdinSink, eofCloses: boolean): Promise<void> {
  try {
    for await (const chunk of source) await sink.write(chunk)
  } catch {
    // Not swallowed: an upload ends in an error only when its call ended (the client went away or
    // the process exited) and a write fails only when the process stopped reading; both end the feed.
    sink.close()
    return
  }
  if (eofCloses) sink.close()
}

function written(stream: Writable, chunk: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    if (stream.destroyed) return reject(new Error('stdin is closed'))
    stream.write(chunk, (err) => (err ? reject(err) : resolve()))
  })
}
