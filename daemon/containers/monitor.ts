/**
 * The monitor of a container's process, as conmon is for podman: a small shell, detached in its
 * own session, that runs the runtime in the foreground (`runc run`: the runtime waits for the
 * process, forwards its output and removes the cgroup and its state when it ends), then writes
 * the exit status into the container's home (`exit`, through a rename). It outlives stratad, so
 * a restart of the daemon (or `systemctl restart`, KillMode=process) leaves the process running;
 * the daemon that starts next reads `exit` when it appears.
 * The process's stdout and stderr go straight to stdout.log and stderr.log (the runtime's copy
 * of them, without a terminal); the runtime's own errors to runtime.log.
 * Tests: test/integration/container-run.test.ts, test/integration/container-restart.test.ts
 */
import { spawn } from 'node:child_process'
import { closeSync, openSync, readFileSync, rmSync } from 'node:fs'
import { startTimeOf } from '../process-start.js'
import type { ContainerPaths } from './paths.js'
import { RUNTIME, type Runtime } from './runtime.js'

/** $1 runtime, $2 bundle, $3 id, $4 exit file; the runtime's global flags follow. */
const SCRIPT = `
runtime=$1 bundle=$2 id=$3 exitfile=$4
shift 4
"$runtime" "$@" run --bundle "$bundle" "$id" </dev/null
status=$?
printf '%s\\n' "$status" > "$exitfile.tmp" && mv -f "$exitfile.tmp" "$exitfile"
`

export interface MonitorHandle {
  pid: number
  pidStart: number
  /** Resolves when the monitor ends (only for one this process started). */
  exited: Promise<void>
}

/** Starts the process of a container whose bundle is written; output appended to its logs. */
export function startMonitor(runtime: Runtime, id: string, paths: ContainerPaths): MonitorHandle {
  rmSync(paths.exit, { force: true })
  rmSync(paths.runtimeLog, { force: true })
  const out = openSync(paths.stdout, 'a', 0o600)
  const err = openSync(paths.stderr, 'a', 0o600)
  try {
    const child = spawn(
      '/bin/sh',
      ['-c', SCRIPT, 'strata-monitor', RUNTIME, paths.bundle, id, paths.exit, ...runtime.globalArgs(paths.runtimeLog)],
      { detached: true, stdio: ['ignore', out, err], cwd: paths.dir },
    )
    const exited = new Promise<void>((resolve) => {
      child.once('exit', () => resolve())
      child.once('error', () => resolve())
    })
    child.unref()
    const pid = child.pid
    if (pid === undefined) throw new Error(`cannot start the monitor of container ${id}`)
    return { pid, pidStart: startTimeOf(pid) ?? 0, exited }
  } finally {
    closeSync(out)
    closeSync(err)
  }
}

/** The status the monitor recorded, or null while there is none. */
export function readExit(paths: ContainerPaths): number | null {
  try {
    const n = Number(readFileSync(paths.exit, 'utf8').trim())
    return Number.isInteger(n) ? n : null
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw err
  }
}
