/**
 * Serving one mount in the foreground: the engine over the layer stack (with the change journal
 * when asked), the FUSE mount, the session, the signals that unmount or pause it, and the last log
 * line with the requests it answered. worker.ts loads this only in the process that serves, so the
 * parent that detaches starts fast.
 * Tests: test/integration/fuse-worker.test.ts
 */
import { closeSync } from 'node:fs'
import { constants, umount2 } from '../../native-bindings/index.js'
import { JournalWriter } from '../diff/journal.js'
import type { Logger } from '../log.js'
import { Overlay } from '../overlay/overlay.js'
import { settleWorkLeftovers } from '../overlay/work-leftovers.js'
import { Op } from './abi.js'
import { mountFuse } from './mount.js'
import { report } from './launch-report.js'
import { handlePause } from './pause.js'
import { Session } from './session.js'
import type { WorkerOptions } from './worker-options.js'

export async function serve(o: WorkerOptions, log: Logger): Promise<void> {
  const syncDelayMs = Number(process.env.STRATA_TEST_SYNC_DELAY_MS ?? 0) || 0 // tests: a slow disk
  const opts = { lowers: o.lowers, upper: o.upper, work: o.work, volatile: o.volatile, syncDelayMs }
  const journal = o.journal && o.upper ? new JournalWriter(o.journal, o.upper) : null
  const ov = new Overlay({
    ...opts,
    beforeChange: journal ? (path, subtree) => journal.note(path, subtree) : undefined,
    heard: journal ? (path) => journal.has(path) : undefined,
  })
  if (o.work && o.upper) {
    const { installed, removed } = settleWorkLeftovers(o.work, o.upper, ov.stack.ns)
    if (installed.length || removed.length)
      log.warn('settled what dead workers staged in work/', { installed: installed.length, removed: removed.length })
  }
  const fd = mountFuse(o.mountpoint, { readonly: ov.readonly, fsname: o.fsname })
  const passthrough = o.passthrough && process.getuid?.() === 0
  const session = new Session(fd, ov, { log, passthrough, spinUs: o.spinUs })
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
  if (o.work) handlePause(session, o.work, log)
  report({ ready: true })
  log.info('mounted', { mountpoint: o.mountpoint, lowers: o.lowers.length, upper: o.upper ?? null })
  const reason = await session.done
  await ov.copyUpsSettled() // a copy handed out before its install is renamed into upper/ before the exit
  closeSync(fd)
  const ops = session.stats.summary()
  const requests = Object.fromEntries(
    Object.entries(ops).map(([op, s]) => [String(Op[op as keyof typeof Op] ?? op), s.count]),
  )
  // answered by the poll reader itself (fuse-bare.c, fuse-writers.c, fuse-upper.c), timed there
  for (const [op, s] of Object.entries(session.readerStats.summary())) {
    ops[`${op} (reader)`] = s
    const code = String(Op[op as keyof typeof Op] ?? op)
    requests[code] = (requests[code] ?? 0) + s.count
  }
  const negotiated = session.negotiated?.passthrough ?? false
  const { prefetchCounts: prefetch, listingWindows: windows, nodesKnown: nodes } = session
  log.info('session ended', { reason, passthrough: negotiated, nodes, requests, ops, prefetch, windows })
  process.exit(reason === 'ENODEV' ? 0 : 1)
}
