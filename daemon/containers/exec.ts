/**
 * `exec`: another process in a running container (`runc exec`, which joins its namespaces and
 * cgroup and takes env, cwd and user from its config unless given). Its output comes back as
 * Docker-multiplexed frames (output-follow.ts's format) while it runs; stdin is /dev/null.
 * The process is the daemon's child: it does not outlive the daemon, and a client that goes
 * away ends it (SIGKILL to the runtime, which forwards it).
 * Errors: CONFLICT when the container does not run; INVALID_ARGUMENT (user-lookup.ts).
 * Tests: test/integration/container-run.test.ts
 */
import { spawn } from 'node:child_process'
import type { ContainerExit } from '../../client/protocol.js'
import { conflict, invalidArgument } from '../errors.js'
import type { ContainerRecord } from '../store/containers.js'
import { frame, STDERR, STDOUT } from './output-follow.js'
import { RUNTIME, type Runtime } from './runtime.js'
import { resolveUser } from './user-lookup.js'

export interface ExecOptions {
  cmd: string[]
  env?: string[]
  workdir?: string
  user?: string
}

export interface ExecRun {
  frames: AsyncGenerator<Buffer>
  exited: Promise<ContainerExit>
}

const HIGH_WATER = 1024 * 1024

export function execProcess(runtime: Runtime, c: ContainerRecord, o: ExecOptions, signal: AbortSignal): ExecRun {
  if (!c.process?.monitor || !c.mount) throw conflict(`Container ${c.id.slice(0, 12)} is not running`)
  if (o.workdir && !o.workdir.startsWith('/')) throw invalidArgument(`the working directory '${o.workdir}' is invalid`)
  const args = ['exec']
  for (const kv of o.env ?? []) args.push('--env', kv)
  if (o.workdir) args.push('--cwd', o.workdir)
  if (o.user) {
    const u = resolveUser(c.mount.target, o.user)
    args.push('--user', `${u.uid}:${u.gid}`, ...u.additionalGids.flatMap((g) => ['--additional-gids', String(g)]))
  }
  const child = spawn(RUNTIME, [...runtime.globalArgs(), ...args, c.id, ...o.cmd], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
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
  child.stdout.on('data', onData(STDOUT))
  child.stderr.on('data', (b: Buffer) => {
    errText.push(b.toString())
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
    child.once('error', (err) => resolve({ exitCode: 126, error: `cannot run ${RUNTIME}: ${err.message}` }))
    child.once('close', (code, sig) => {
      signal.removeEventListener('abort', onAbort)
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
