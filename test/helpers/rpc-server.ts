/**
 * An RpcServer on a real Unix socket in a scratch dir, with methods made for testing the
 * transport (echo, fail with a code, sleep until cancelled, upload into a staging file, download
 * a pattern). Its log lines are kept for assertions. Closed at teardown.
 */
import { createHash } from 'node:crypto'
import { chmodSync, createWriteStream, mkdirSync, renameSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { finished } from 'node:stream/promises'
import { StrataError, type ErrorCode } from '../../client/protocol.js'
import { createLogger } from '../../daemon/log.js'
import type { MethodTable } from '../../daemon/rpc/dispatch.js'
import { RpcServer } from '../../daemon/rpc/server.js'
import { tmpdir } from './tmpdir.js'

interface Teardown {
  teardown(fn: () => void | Promise<void>): void
}

export interface TestServer {
  path: string
  dir: string
  server: RpcServer
  logs: string[]
  /** Ids of test.sleep calls whose signal was aborted. */
  aborted: Set<string>
}

export function pattern(n: number, seed = 0): Buffer {
  const b = Buffer.alloc(n)
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff
  return b
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex')

/** Waits `ms` unless the call is aborted first; the abort listener goes when the wait ends (a call sleeps often). */
const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error)
    const onAbort = () => (clearTimeout(timer), reject(signal.reason as Error))
    const timer = setTimeout(() => (signal.removeEventListener('abort', onAbort), resolve()), ms)
    signal.addEventListener('abort', onAbort, { once: true })
  })

function testMethods(dir: string, aborted: Set<string>): MethodTable {
  return {
    'test.echo': { handler: async (p) => p },
    'test.fail': {
      handler: async (p) => {
        const code = (p as { code: ErrorCode }).code
        throw new StrataError(code, `failing with ${code}`)
      },
    },
    'test.crash': {
      handler: async () => {
        throw new Error('boom')
      },
    },
    'test.root': { rootOnly: true, handler: async () => ({ ok: true }) },
    'test.sleep': {
      handler: async (p, ctx) => {
        const { ms, tag } = p as { ms: number; tag?: string }
        try {
          await sleep(ms, ctx.signal)
        } catch (err) {
          if (tag) aborted.add(tag)
          throw err
        }
        return { slept: ms }
      },
    },
    /** Stages the upload in dir/tmp and renames it into dir/done on success only. */
    'test.upload': {
      upload: true,
      handler: async (p, ctx) => {
        const { name, delayMs = 0 } = p as { name: string; delayMs?: number }
        const staging = join(dir, 'tmp', name)
        const out = createWriteStream(staging)
        const hash = createHash('sha256')
        let bytes = 0
        try {
          for await (const chunk of ctx.upload()) {
            hash.update(chunk)
            bytes += chunk.length
            if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()))
            if (delayMs) await sleep(delayMs, ctx.signal)
          }
          out.end()
          await finished(out)
          renameSync(staging, join(dir, 'done', name))
          return { bytes, sha256: hash.digest('hex') }
        } catch (err) {
          out.destroy()
          rmSync(staging, { force: true })
          throw err
        }
      },
    },
    'test.download': {
      download: true,
      handler: async (p, ctx) => {
        const { bytes, events = 0 } = p as { bytes: number; events?: number }
        const data = pattern(bytes)
        for (let i = 0; i < events; i++) ctx.progress({ id: 'x', status: 'step', current: i, total: events })
        await ctx.send(data)
        return { bytes, sha256: sha256(data) }
      },
    },
  }
}

export async function startTestServer(
  t: Teardown,
  opts: { mode?: number; gid?: number; maxFrameBytes?: number } = {},
): Promise<TestServer> {
  const dir = tmpdir(t, 'strata-rpc-')
  chmodSync(dir, 0o755)
  mkdirSync(join(dir, 'tmp'))
  mkdirSync(join(dir, 'done'))
  const logs: string[] = []
  const aborted = new Set<string>()
  const server = new RpcServer({
    methods: testMethods(dir, aborted),
    log: createLogger('debug', 'test', (l) => void logs.push(l)),
    policy: { gid: opts.gid, groupName: 'strata-test' },
    maxFrameBytes: opts.maxFrameBytes ?? 1024 * 1024,
    daemonVersion: 'test',
  })
  const path = join(dir, 'rpc.sock')
  await server.listen({ path, mode: opts.mode ?? 0o660, gid: opts.gid })
  t.teardown(() => server.close(1000))
  return { path, dir, server, logs, aborted }
}
