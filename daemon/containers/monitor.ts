/**
 * The monitor of a container's process, as conmon is for podman: a small shell, detached in its
 * own session, that runs the runtime in the foreground (`runc run`: the runtime waits for the
 * process, forwards its output and removes the cgroup and its state when it ends), then writes
 * the exit status into the container's home (`exit`, through a rename). It outlives stratad, so
 * a restart of the daemon (or `systemctl restart`, KillMode=process) leaves the process running;
 * the daemon that starts next reads `exit` when it appears.
 * The process's stdout and stderr go straight to stdout.log and stderr.log (the runtime's copy
 * of them; with -t the runtime runs under script (terminal.ts) and the terminal's output goes to
 * stdout.log); the runtime's own errors to runtime.log. Its stdin (StdinMode) is /dev/null, or
 * the FIFO `stdin` that stratad writes a client's stdin into (stdin-pipe.ts), or that FIFO held
 * open by the monitor itself so that it never ends (-d -i, and always with -t, whose script would
 * turn an EOF into ^D).
 * Tests: test/integration/container-run.test.ts, test/integration/container-restart.test.ts
 */
import { spawn } from 'node:child_process'
import { closeSync, openSync, readFileSync, rmSync } from 'node:fs'
import { startTimeOf } from '../process-start.js'
import type { ContainerPaths } from './paths.js'
import { RUNTIME, type Runtime } from './runtime.js'
import { TERMINAL_PROGRAM, underTerminal, type Size } from './terminal.js'

/**
 * $1 runtime, $2 bundle, $3 id, $4 exit file, $5 stdin mode, $6 the stdin FIFO, $7 `terminal` or
 * `plain`; then the runtime's global flags (plain) or script's arguments, which hold the whole
 * runtime command (terminal). Its stdin is /dev/null or the FIFO's read end (StdinMode); in `held`
 * mode the shell keeps a writer of the FIFO open as fd 3, which the runtime does not inherit.
 */
const SCRIPT = `
runtime=$1 bundle=$2 id=$3 exitfile=$4 stdin=$5 fifo=$6 how=$7
shift 7
case $stdin in
  held) exec 3<>"$fifo" ;;
esac
if [ "$how" = terminal ]; then
  SHELL=/bin/sh ${TERMINAL_PROGRAM} "$@" 3>&-
else
  "$runtime" "$@" run --bundle "$bundle" "$id" 3>&-
fi
status=$?
printf '%s\\n' "$status" > "$exitfile.tmp" && mv -f "$exitfile.tmp" "$exitfile"
`

/**
 * Where the process's stdin comes from: nothing (/dev/null), the FIFO that stratad writes into
 * (its EOF closes the process's stdin), or the FIFO held open by the monitor (never an EOF).
 */
export type StdinMode = 'none' | 'fifo' | 'held'

export interface MonitorOptions {
  stdin: StdinMode
  /** The FIFO's read end (stdin-pipe.ts), for `fifo` and `held`. */
  stdinFd?: number
  /** A pseudo-terminal of this size (the bundle's config says `terminal: true`). */
  terminal?: Size
}

export interface MonitorHandle {
  pid: number
  pidStart: number
  /** Resolves when the monitor ends (only for one this process started). */
  exited: Promise<void>
}

/** Starts the process of a container whose bundle is written; output appended to its logs. */
export function startMonitor(runtime: Runtime, id: string, paths: ContainerPaths, o: MonitorOptions): MonitorHandle {
  rmSync(paths.exit, { force: true })
  rmSync(paths.runtimeLog, { force: true })
  const out = openSync(paths.stdout, 'a', 0o600)
  const err = openSync(paths.stderr, 'a', 0o600)
  try {
    const child = spawn(
      '/bin/sh',
      [
        '-c',
        SCRIPT,
        'strata-monitor',
        RUNTIME,
        paths.bundle,
        id,
        paths.exit,
        o.stdin,
        paths.stdin,
        ...how(runtime, id, paths, o),
      ],
      { detached: true, stdio: [o.stdinFd ?? 'ignore', out, err], cwd: paths.dir },
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

/** The monitor's $7 and what follows it. */
function how(runtime: Runtime, id: string, paths: ContainerPaths, o: MonitorOptions): string[] {
  const global = runtime.globalArgs(paths.runtimeLog)
  if (!o.terminal) return ['plain', ...global]
  return ['terminal', ...underTerminal([RUNTIME, ...global, 'run', '--bundle', paths.bundle, id], o.terminal)]
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
