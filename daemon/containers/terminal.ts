/**
 * The pseudo-terminal of a -t process. runc makes and proxies one itself when it runs in the
 * foreground with `terminal: true` (`runc run`, `runc exec --tty`), but only when its own stdin is
 * a terminal (it sets that one raw and copies its size); stratad has none to give, and taking the
 * pty master through --console-socket would need fd passing, which Node cannot do without an
 * addon. So the runtime runs under util-linux `script`, which gives it a host pty (echo off, the
 * size set by stty first, for the runtime copies it to the container's pty after the start) and
 * copies bytes between that pty and script's own stdin and stdout: the process's terminal output
 * (CR LF and all, stdout and stderr merged) ends on script's stdout. The container's pty is sized
 * before the process starts by the OCI config's consoleSize (oci-spec.ts, exec-process.ts).
 * Line ends: runc sets the host pty raw but keeps its output processing (OPOST, and so ONLCR: the
 * CR of each CR LF), and clears ONLCR on the container's pty, racing the process's first output
 * (tty-line-ends.ts).
 * Never: gives script an EOF it would turn into ^D: callers keep script's stdin open.
 * Tests: test/unit/containers/terminal.test.ts, test/integration/container-interactive.test.ts
 */
import { invalidArgument } from '../errors.js'
import type { TerminalSize } from '../../client/protocol.js'

export const TERMINAL_PROGRAM = 'script'

export interface Size {
  rows: number
  cols: number
}

/** The size asked for, checked (INVALID_ARGUMENT outside 1..65535), 24x80 for what is not given. */
export function terminalSize(s: TerminalSize | undefined): Size {
  const rows = s?.rows ?? 24
  const cols = s?.cols ?? 80
  for (const [name, v] of [
    ['consoleSize.rows', rows],
    ['consoleSize.cols', cols],
  ] as const)
    if (!Number.isInteger(v) || v < 1 || v > 65535)
      throw invalidArgument(`${name} must be an integer from 1 to 65535 (got ${v})`)
  return { rows, cols }
}

/** The arguments of `script` that run `argv` on a host pty of `size`; its exit status is argv's. */
export function underTerminal(argv: string[], size: Size): string[] {
  const command = `stty rows ${size.rows} cols ${size.cols} && exec ${argv.map(shellQuoted).join(' ')}`
  return ['-E', 'never', '-q', '-f', '-e', '-c', command, '/dev/null']
}

/** The environment script runs its command with: its -c goes to $SHELL. */
export const terminalEnv = (env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv => ({ ...env, SHELL: '/bin/sh' })

/** One word for /bin/sh, whatever bytes it holds. */
export function shellQuoted(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`
}
