/**
 * This CLI's side of -i and -t (`run`, `start -a -i`, `exec`): its stdin as the call's upload,
 * its terminal's size, and with -i -t on a terminal, raw mode (every key goes to the container's
 * terminal, ^C and ^D included), undone when the call ends, when the CLI exits, and on a signal
 * that would end it. -i -t without a terminal is refused as Docker refuses it; -t alone works
 * from a pipe (nothing is read from stdin).
 * Tests: test/integration/container-interactive.test.ts
 */
import { spawnSync } from 'node:child_process'
import type { CallOptions } from '../client.js'
import type { TerminalSize } from '../protocol.js'

export interface AttachFlags {
  interactive?: boolean
  tty?: boolean
}

export interface AttachedIo {
  /** The call's options for stdin (its upload), or none. */
  upload: Pick<CallOptions, 'upload'>
  consoleSize?: TerminalSize
  /** Puts the terminal back and lets stdin go (the CLI can then exit); safe to call twice. */
  close(): void
}

const ENDING = ['SIGTERM', 'SIGHUP'] as const

/** False (with Docker's message and exit status 1) for -i -t when stdin is not a terminal. */
export function canAttach(f: AttachFlags): boolean {
  if (!f.interactive || !f.tty || process.stdin.isTTY) return true
  process.stderr.write('the input device is not a TTY\n')
  process.exitCode = 1
  return false
}

export function attachIo(f: AttachFlags): AttachedIo {
  const stdin = process.stdin
  const raw = f.interactive === true && f.tty === true
  const restore = raw ? rawMode() : () => undefined
  const onSignal = (signal: NodeJS.Signals) => {
    restore()
    process.kill(process.pid, signal) // as if not caught, now that the terminal is back
  }
  const handlers = raw ? ENDING.map((s) => [s, () => onSignal(s)] as const) : []
  for (const [s, h] of handlers) process.once(s, h)
  let closed = false
  return {
    upload: f.interactive ? { upload: stdin } : {},
    ...(f.tty ? { consoleSize: sizeOf() } : {}),
    close: () => {
      if (closed) return
      closed = true
      for (const [s, h] of handlers) process.off(s, h)
      restore()
      if (f.interactive) stdin.destroy()
    },
  }
}

/**
 * Node's raw mode keeps output processing (ONLCR), so the container terminal's CR LF would show as
 * CR CR LF; `stty -opost` takes it off as Docker's raw mode does. setRawMode(false) puts back the
 * settings Node saved first, opost included.
 */
function rawMode(): () => void {
  const stdin = process.stdin
  stdin.setRawMode(true)
  const opost = spawnSync('stty', ['-opost'], { stdio: ['inherit', 'ignore', 'pipe'], encoding: 'utf8' })
  if (opost.status !== 0) process.stderr.write(`strata: stty -opost: ${opost.stderr || opost.error?.message}\n`)
  let restored = false
  const restore = () => {
    if (restored) return
    restored = true
    stdin.setRawMode(false)
    process.off('exit', restore)
  }
  process.on('exit', restore)
  return restore
}

/** The terminal's size, from whichever of stdout and stderr is one (undefined: the daemon's default). */
function sizeOf(): TerminalSize | undefined {
  const out = [process.stdout, process.stderr].find((s) => s.isTTY)
  return out && out.rows > 0 && out.columns > 0 ? { rows: out.rows, cols: out.columns } : undefined // 0: not set
}
