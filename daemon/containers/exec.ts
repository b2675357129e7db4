/**
 * `exec`: another process in a running container (`runc exec --process`, which joins its
 * namespaces and cgroup; the process is the container's own with what exec asks for put over it:
 * exec-process.ts). Its output comes back as Docker-multiplexed frames (output-follow.ts's
 * format) while it runs. Its stdin is /dev/null, or with `stdin` (-i) those bytes, their end its
 * EOF. With `tty` (-t) the runtime runs under script (terminal.ts): the terminal's output comes
 * as stream 1, its line ends made the same every time (tty-line-ends.ts), and its stdin stays
 * open to the end (fed or not), as script would turn an EOF into ^D.
 * The process is the daemon's child: it does not outlive the daemon, and a client that goes
 * away ends it (SIGKILL to the runtime, which forwards it).
 * Errors: CONFLICT when the container does not run; INVALID_ARGUMENT (user-lookup.ts, exec-process.ts).
 * Tests: test/integration/container-run.test.ts
 */
import { spawn } from 'node:child_process'
import type { ContainerExit, TerminalSize } from '../../client/protocol.js'
import { conflict } from '../errors.js'
import type { ContainerRecord } from '../store/containers.js'
import { writeExecProcess, type ExecAsk } from './exec-process.js'
import { frame, STDERR, STDOUT } from './output-follow.js'
import { RUNTIME, type Runtime } from './runtime.js'
import { feedStdin, streamSink } from './stdin-pipe.js'
import { lineEndFilter } from './tty-line-ends.js'
import { terminalEnv, terminalSize, TERMINAL_PROGRAM, underTerminal } from './terminal.js'
import { resolveUser } from './user-lookup.js'

export interface ExecOptions {
  cmd: string[]
  env?: string[]
  workdir?: string
  user?: string
  tty?: boolean
  consoleSize?: TerminalSize
  /** What the process reads (-i). */
  stdin?: AsyncIterable<Buffer>
}

export interface ExecRun {
  frames: AsyncGenerator<Buffer>
  exited: Promise<ContainerExit>
}

const HIGH_WATER = 1024 * 1024
/** How much output is kept to find the runtime's reason in (it comes first). */
const TEXT_KEPT = 64 * 1024

export function execProcess(
  runtime: Runtime,
  c: ContainerRecord,
  bundle: string,
  o: ExecOptions,
  signal: AbortSignal,
): ExecRun {
  if (!c.process?.monitor || !c.mount) throw conflict(`Container ${c.id.slice(0, 12)} is not running`)
  const size = terminalSize(o.consoleSize)
  const ask: ExecAsk = {
    cmd: o.cmd,
    ...(o.env ? { env: o.env } : {}),
    ...(o.workdir ? { workdir: o.workdir } : {}),
    ...(o.user ? { user: resolveUser(c.mount.target, o.user) } : {}),
    ...(o.tty ? { terminal: size } : {}),
  }
  const processFile = writeExecProcess(bundle, ask)
  const argv = [RUNTIME, ...runtime.globalArgs(), 'exec', '--process', processFile.path, c.id]
  const [program, ...programArgs] = o.tty ? [TERMINAL_PROGRAM, ...underTerminal(argv, size)] : argv
  const child = spawn(program ?? RUNTIME, programArgs, {
    stdio: ['pipe', 'pipe', 'pipe'],
    ...(o.tty ? { env: terminalEnv() } : {}),
  })
  if (o.stdin) void feedStdin(o.stdin, streamSink(child.stdin), !o.tty)
  else if (!o.tty) child.stdin.end() // as /dev/null: EOF at once
  const queue: Buffer[] = []
  let queued = 0
  let wake: (() => void) | undefined
  let open = 2
  const errText: string[] = []
  const onData = (stream: number) => (b: Buffer) => {
    queue.push(frame(stream, b))
    queued += b.length
    if (queued > HIGH_WATER) {
      child.stdout.pause()
      child.stderr.pause()
    }
    wake?.()
  }
  const lineEnds = o.tty ? lineEndFilter() : (b: Buffer) => b
  child.stdout.on('data', (b: Buffer) => {
    if (o.tty) keepText(errText, b) // the runtime's own errors come on the terminal too
    onData(STDOUT)(lineEnds(b))
  })
  child.stderr.on('data', (b: Buffer) => {
    keepText(errText, b)
    onData(STDERR)(b)
  })
  for (const s of [child.stdout, child.stderr])
    s.once('close', () => {
      open--
      wake?.()
    })
  const onAbort = () => child.kill('SIGKILL')
  signal.addEventListener('abort', onAbort)
  const exited = new Promise<ContainerExit>((resolve) => {
    child.once('error', (err) => {
      processFile.remove()
      resolve({ exitCode: 126, error: `cannot run ${RUNTIME}: ${err.message}` })
    })
    child.once('close', (code, sig) => {
      signal.removeEventListener('abort', onAbort)
      processFile.remove()
      // runc exec answers 255 when it could not start the command; Docker's codes say why.
      const failed = code === 255 ? /exec failed: (unable to start container process: .*)/.exec(errText.join('')) : null
      if (failed?.[1]) resolve({ exitCode: /permission denied/.test(failed[1]) ? 126 : 127, error: failed[1] })
      else resolve({ exitCode: code ?? 128 + (sig === 'SIGKILL' ? 9 : 15) })
    })
  })
  async function* frames(): AsyncGenerator<Buffer> {
    for (;;) {
      const next = queue.shift()
      if (next) {
        queued -= next.length - 8
        if (queued <= HIGH_WATER) {
          child.stdout.resume()
          child.stderr.resume()
        }
        yield next
        continue
      }
      if (open === 0) return
      await new Promise<void>((r) => (wake = r))
      wake = undefined
    }
  }
  return { frames: frames(), exited }
}

function keepText(kept: string[], b: Buffer): void {
  if (kept.reduce((n, s) => n + s.length, 0) < TEXT_KEPT) kept.push(b.toString())
}
