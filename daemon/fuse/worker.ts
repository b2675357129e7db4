#!/usr/bin/env node
/**
 * strata-overlay: mounts one layer stack through FUSE and serves it until it is unmounted.
 * Without -f it detaches (the parent exits once the mount is up, as fuse-overlayfs does).
 * SIGTERM/SIGINT unmount (lazily) and exit; an unmount from outside (umount, umount -l) ends the
 * session with ENODEV and the process exits. It never touches its own mount. SIGUSR1/SIGUSR2
 * pause and resume it (fuse/pause.ts, mounts/pause-worker.ts).
 * Tests: test/integration/fuse-worker.test.ts
 */
import { spawn } from 'node:child_process'
import { closeSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { constants, umount2 } from '../../native-bindings/index.js'
import { JournalWriter } from '../diff/journal.js'
import { createLogger } from '../log.js'
import { Overlay } from '../overlay/overlay.js'
import { Op } from './abi.js'
import { mountFuse } from './mount.js'
import { handlePause } from './pause.js'
import { Session } from './session.js'
import { parseWorkerArgs, UsageError, type WorkerOptions } from './worker-options.js'

const log = createLogger('debug', 'strata-overlay')

async function serve(o: WorkerOptions): Promise<void> {
  const opts = { lowers: o.lowers, upper: o.upper, work: o.work, volatile: o.volatile }
  const journal = o.journal && o.upper ? new JournalWriter(o.journal, o.upper) : null
  const ov = new Overlay({
    ...opts,
    beforeChange: journal ? (path, subtree) => journal.note(path, subtree) : undefined,
  })
  const fd = mountFuse(o.mountpoint, { readonly: ov.readonly, fsname: o.fsname })
  const passthrough = o.passthrough && process.getuid?.() === 0
  const session = new Session(fd, ov, { log, passthrough })
  session.start(process.env.STRATA_FUSE_READER === 'threads' ? 'threads' : 'poll')
  const stop = () => {
    try {
      umount2(o.mountpoint, constants.MNT_DETACH)
    } catch (err) {
      log.warn('unmount on signal failed', { err: String(err) })
    }
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
  if (o.work) handlePause(session, o.work)
  process.send?.('ready', () => process.disconnect?.())
  log.info('mounted', { mountpoint: o.mountpoint, lowers: o.lowers.length, upper: o.upper ?? null })
  const reason = await session.done
  closeSync(fd)
  const ops = session.stats.summary()
  const requests = Object.fromEntries(
    Object.entries(ops).map(([op, s]) => [String(Op[op as keyof typeof Op] ?? op), s.count]),
  )
  log.info('session ended', { reason, passthrough: session.negotiated?.passthrough ?? false, requests, ops })
  process.exit(reason === 'ENODEV' ? 0 : 1)
}

/**
 * Starts a detached copy in the foreground and waits until it has mounted. The copy keeps none of
 * the caller's stdio (a caller waiting for our output to end must not wait for the mount's life);
 * it reports success or its startup error over the IPC channel instead.
 */
function detach(argv: string[]): void {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '-f', ...argv], {
    detached: true,
    stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
  })
  child.once('message', (m: unknown) => {
    const failed = typeof m === 'object' && m !== null && 'error' in m
    if (failed) process.stderr.write(`strata-overlay: ${String((m as { error: unknown }).error)}\n`)
    child.disconnect()
    child.unref()
    process.exit(failed ? 1 : 0)
  })
  child.once('exit', (code) => process.exit(code ?? 1))
}

function main(argv: string[]): void {
  let o: WorkerOptions
  try {
    o = parseWorkerArgs(argv)
  } catch (err) {
    if (!(err instanceof UsageError)) throw err
    process.stderr.write(`strata-overlay: ${err.message}\n`)
    process.exit(2)
  }
  if (!o.foreground) return detach(argv) // the detached copy warns about options
  for (const w of o.warnings) log.warn(w)
  serve(o).catch((err: unknown) => {
    const message = String((err as Error)?.message ?? err)
    log.error('cannot serve', { err: message })
    if (process.send) process.send({ error: message }, () => process.exit(1))
    else process.exit(1)
  })
}

main(process.argv.slice(2))
