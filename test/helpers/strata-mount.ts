/**
 * mountStrata: runs a strata-overlay worker (-f) over a layer stack and waits until it is mounted.
 * The teardown is registered before mounting: it unmounts (lazily) if still mounted and waits for
 * the worker to exit, killing it after 5 s, so no test leaves a mount or a process behind.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { constants, umount2 } from '../../native-bindings/index.js'
import type { OpSummary } from '../../daemon/fuse/op-stats.js'
import { isMounted } from './kernel-overlay.js'

interface Teardown {
  teardown(fn: () => void | Promise<void>): void
}

export interface StrataSpec {
  lowers: string[]
  upper?: string
  work?: string
  mnt: string
  /** more -o options, e.g. 'nopassthrough' */
  options?: string[]
  /** more environment for the worker (its STRATA_TEST_ knobs) */
  env?: Record<string, string>
}

export interface StrataMount {
  mnt: string
  worker: ChildProcess
  /** the worker's log lines (JSON) so far */
  log: string[]
  unmount(): Promise<void>
}

const WORKER = fileURLToPath(new URL('../../daemon/fuse/worker.js', import.meta.url))

/**
 * Whether `closed` (the worker's 'close': it exited and its stderr was read to the end) came within
 * `ms`. Not 'exit': that may come before the last lines of stderr, the "session ended" one among them.
 */
function closedWithin(closed: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)))
  return Promise.race([closed.then(() => true), late]).finally(() => clearTimeout(timer))
}

export async function mountStrata(t: Teardown, spec: StrataSpec): Promise<StrataMount> {
  mkdirSync(spec.mnt, { recursive: true })
  const opts = [`lowerdir=${spec.lowers.join(':')}`]
  if (spec.upper) opts.push(`upperdir=${spec.upper}`, `workdir=${spec.work}`)
  opts.push(...(spec.options ?? []))
  const worker = spawn(process.execPath, [WORKER, '-f', '-o', opts.join(','), spec.mnt], {
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    env: { ...process.env, ...spec.env },
  })
  const closed = new Promise<void>((resolve) => worker.once('close', () => resolve()))
  const log: string[] = []
  let partial = ''
  worker.stderr?.on('data', (d: Buffer) => {
    const lines = (partial + d.toString()).split('\n')
    partial = lines.pop() ?? ''
    for (const l of lines) {
      log.push(l)
      if (!l.includes('"level":"info"')) process.stderr.write(`${l}\n`)
    }
  })
  const unmount = async () => {
    if (isMounted(spec.mnt)) umount2(spec.mnt, constants.MNT_DETACH)
    if (!(await closedWithin(closed, 5000))) {
      worker.kill('SIGKILL')
      await closedWithin(closed, 5000)
      throw new Error(`strata-overlay for ${spec.mnt} did not exit after unmount`)
    }
  }
  t.teardown(unmount)
  await new Promise<void>((resolve, reject) => {
    worker.once('message', () => resolve())
    worker.once('exit', (code) => reject(new Error(`strata-overlay exited with ${code} before mounting`)))
  })
  return { mnt: spec.mnt, worker, log, unmount }
}

/**
 * Unmounts, then the requests the worker answered by opcode name, from its "session ended" log line
 * (those the reader answered itself as 'GETXATTR (reader)', 'SETATTR (reader)' and so on).
 */
export async function requestsOf(m: StrataMount): Promise<Record<string, number>> {
  return (await sessionEndOf(m)).requests
}

export interface SessionEnd {
  /** nodes the worker still knew */
  nodes: number
  /** requests answered, by opcode name (the reader's own as 'LOOKUP (reader)' and so on) */
  requests: Record<string, number>
  /** the same with their times */
  ops: Record<string, OpSummary>
  /** the backing caches warmed ahead of requests (daemon/fuse/prefetch.ts) */
  prefetch: Record<string, number>
  /** READDIRPLUS windows after a directory's first, by form (daemon/fuse/stat-follow.ts) */
  windows: Record<string, number>
}

/** Unmounts, then what the worker logged when its session ended. */
export async function sessionEndOf(m: StrataMount): Promise<SessionEnd> {
  await m.unmount()
  const line = m.log.find((l) => l.includes('session ended'))
  if (!line) throw new Error(`no 'session ended' line in ${m.log.join('\n')}`)
  const end = JSON.parse(line) as Omit<SessionEnd, 'requests'>
  const requests = Object.fromEntries(Object.entries(end.ops).map(([op, s]) => [op, s.count]))
  return { nodes: end.nodes, requests, ops: end.ops, prefetch: end.prefetch, windows: end.windows }
}
