/**
 * A real stratad process on a scratch data root and socket. The teardown stops it (SIGTERM, then
 * SIGKILL after 10 s), lazily unmounts every mount it made (their source names the root) and
 * waits for their workers to exit, so no test leaves a daemon, a worker or a mount behind.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { chmodSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { StrataClient } from '../../client/client.js'
import { readMountinfo } from '../../daemon/mounts/mountinfo.js'
import { constants, umount2 } from '../../native-bindings/index.js'
import { tmpdir } from './tmpdir.js'

interface Teardown {
  teardown(fn: () => void | Promise<void>): void
}

export const STRATAD = fileURLToPath(new URL('../../daemon/main.js', import.meta.url))
export const STRATA_CLI = fileURLToPath(new URL('../../client/cli/main.js', import.meta.url))

export interface Daemon {
  root: string
  socket: string
  proc: ChildProcess
  logs: string[]
  connect(): Promise<StrataClient>
  /** Sends the signal and waits for the exit status. */
  stop(signal?: NodeJS.Signals): Promise<number | null>
}

export interface DaemonOptions {
  root?: string
  socket?: string
  args?: string[]
  /** more environment for stratad, and so for its mount workers (their STRATA_TEST_ knobs) */
  env?: Record<string, string>
}

export function exitOf(proc: ChildProcess): Promise<number | null> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve(proc.exitCode)
  return new Promise((resolve) => proc.once('exit', (code) => resolve(code)))
}

export async function startDaemon(t: Teardown, o: DaemonOptions = {}): Promise<Daemon> {
  const base = tmpdir(t, 'strata-daemon-')
  chmodSync(base, 0o755)
  const root = o.root ?? join(base, 'root')
  const socket = o.socket ?? join(base, 'run', 'strata.sock')
  mkdirSync(join(base, 'run'), { recursive: true })
  t.teardown(() => cleanupMounts(root))
  const proc = spawn(process.execPath, [STRATAD, '--root', root, '--socket', socket, ...(o.args ?? [])], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...o.env },
  })
  const logs = collect(proc)
  const d: Daemon = {
    root,
    socket,
    proc,
    logs,
    connect: () => StrataClient.connect({ socket }),
    stop: async (signal = 'SIGTERM') => {
      proc.kill(signal)
      return exitOf(proc)
    },
  }
  t.teardown(async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return
    proc.kill('SIGTERM')
    const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000)
    await exitOf(proc)
    clearTimeout(timer)
  })
  await waitReady(d)
  return d
}

/** The daemon's stderr, one JSON log line per entry (warnings and errors are echoed). */
export function collect(proc: ChildProcess): string[] {
  const logs: string[] = []
  let partial = ''
  proc.stderr?.on('data', (data: Buffer) => {
    const lines = (partial + data.toString()).split('\n')
    partial = lines.pop() ?? ''
    logs.push(...lines)
  })
  return logs
}

async function waitReady(d: Daemon): Promise<void> {
  const end = Date.now() + 20_000
  for (;;) {
    if (d.proc.exitCode !== null) throw new Error(`stratad exited with ${d.proc.exitCode}: ${d.logs.join('\n')}`)
    try {
      const c = await d.connect()
      c.close()
      return
    } catch (err) {
      if (Date.now() > end) throw err
      await new Promise((r) => setTimeout(r, 50))
    }
  }
}

/** Unmounts what a daemon on `root` mounted and waits for its workers (their -o names the root) to exit. */
export async function cleanupMounts(root: string): Promise<void> {
  for (const m of readMountinfo()) {
    if (m.source.endsWith(`@${root}`)) umount2(m.target, constants.MNT_DETACH)
  }
  const end = Date.now() + 10_000
  while (workerPids(root).length) {
    if (Date.now() > end) {
      for (const pid of workerPids(root)) process.kill(pid, 'SIGKILL')
      break
    }
    await new Promise((r) => setTimeout(r, 50))
  }
}

export function workerPids(root: string): number[] {
  try {
    const pattern = `fsname=strata:[0-9a-f]{64}@${root.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}( |$)`
    const out = execFileSync('pgrep', ['-f', pattern], { encoding: 'utf8' })
    return out.split('\n').filter(Boolean).map(Number)
  } catch (err) {
    if ((err as { status?: number }).status === 1) return [] // pgrep: no process matched
    throw err
  }
}
