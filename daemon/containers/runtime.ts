/**
 * The OCI runtime (runc; docs/decisions.md says why not crun): its command lines, with its state
 * under <root>/runtime so daemons on other data roots never see each other's containers. A
 * container's runtime ID is its container ID.
 * Errors: RuntimeError with the runtime's own message (its stderr), for the caller to wrap.
 * Tests: test/integration/container-run.test.ts
 */
import { execFile } from 'node:child_process'
import { join } from 'node:path'

export const RUNTIME = 'runc'

export class RuntimeError extends Error {
  override name = 'RuntimeError'
}

export class Runtime {
  /** Where the runtime keeps its state (runc --root). */
  readonly stateDir: string

  constructor(dataRoot: string) {
    this.stateDir = join(dataRoot, 'runtime')
  }

  /** The global flags every call takes: its state dir, and its errors as JSON lines in `log`. */
  globalArgs(log?: string): string[] {
    return ['--root', this.stateDir, ...(log ? ['--log', log, '--log-format', 'json'] : [])]
  }

  /** Sends a signal to the container's process (`runc kill`); false when it is not running. */
  async kill(id: string, signal: string): Promise<boolean> {
    try {
      await this.call(['kill', id, signal.replace(/^SIG/, '')])
      return true
    } catch (err) {
      if (err instanceof RuntimeError && /not running|does not exist|container not found/.test(err.message))
        return false
      throw err
    }
  }

  /** Freezes every process of the container (`runc pause`: the freezer cgroup). */
  async pause(id: string): Promise<void> {
    await this.call(['pause', id])
  }

  async resume(id: string): Promise<void> {
    await this.call(['resume', id])
  }

  /** Removes what is left of a container the runtime knows (`runc delete -f`); nothing when it knows none. */
  async forceDelete(id: string): Promise<void> {
    try {
      await this.call(['delete', '-f', id])
    } catch (err) {
      if (err instanceof RuntimeError && /does not exist|container not found/.test(err.message)) return
      throw err
    }
  }

  private call(args: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile(RUNTIME, [...this.globalArgs(), ...args], { encoding: 'utf8' }, (err, stdout, stderr) => {
        if (err) reject(new RuntimeError(`${RUNTIME} ${args[0]}: ${stderr.trim() || err.message}`))
        else resolve(stdout)
      })
    })
  }
}

/**
 * The message a runtime log (`--log-format json`) ends with when it could not start the process,
 * and the exit code Docker gives that case (127 no such command, 126 not executable).
 */
export function startFailure(logText: string): { error: string; exitCode: number } | null {
  const lines = logText.split('\n').filter(Boolean)
  for (const line of lines.reverse()) {
    let entry: { level?: string; msg?: string }
    try {
      entry = JSON.parse(line) as typeof entry
    } catch {
      continue
    }
    if (entry.level !== 'error' || !entry.msg) continue
    const msg = entry.msg.replace(/^runc (run|create|start) failed: /, '')
    if (!/unable to start container process/.test(msg)) return { error: msg, exitCode: 125 }
    const notExecutable = /permission denied|is a directory/.test(msg)
    return { error: msg, exitCode: notExecutable ? 126 : 127 }
  }
  return null
}
