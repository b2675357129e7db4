/**
 * The strata CLI as a user runs it: a child process whose exit status and output the test reads.
 * Resolves for any exit status (a refusal is an outcome to check, not a failure of the helper).
 */
import { execFile, spawn } from 'node:child_process'
import { promisify } from 'node:util'
import { STRATA_CLI, type Daemon } from './daemon.js'

export interface CliRun {
  code: number
  stdout: string
  stderr: string
}

/** `strata ARGS` with `env` added to this process's environment. */
export async function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  try {
    const r = await promisify(execFile)(process.execPath, [STRATA_CLI, ...args], { env: { ...process.env, ...env } })
    return { code: 0, stdout: r.stdout, stderr: r.stderr }
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string }
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}

/** `strata ARGS` against the daemon `d` (its socket in STRATA_SOCKET). */
export const cliOn = (d: Daemon, args: string[]): Promise<CliRun> => runCli(args, { STRATA_SOCKET: d.socket })

export interface PipedRun {
  /** null when a signal ended it */
  code: number | null
  stdout: string
  stderr: string
}

/**
 * `command ARGS` with `input` on its stdin (closed after it) and `env` as its whole environment
 * (this process's when not given): its exit status and output, whatever the status. A command that
 * exits before reading all of `input` is not an error here.
 */
export function runPiped(command: string, args: string[], input: string | Buffer, env?: NodeJS.ProcessEnv) {
  return new Promise<PipedRun>((resolve, reject) => {
    const p = spawn(command, args, { env: env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    p.stdout.on('data', (b: Buffer) => (stdout += b.toString()))
    p.stderr.on('data', (b: Buffer) => (stderr += b.toString()))
    p.once('error', reject)
    p.once('close', (code) => resolve({ code, stdout, stderr }))
    p.stdin.on('error', () => undefined)
    p.stdin.end(input)
  })
}
