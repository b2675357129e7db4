/**
 * How a detached strata-overlay worker tells whoever started it that it is mounted, or why not:
 * over the IPC channel when node's launcher started it (worker.ts without -f), or as one line on
 * the descriptor STRATA_OVERLAY_REPORT_FD names when the shell launcher did (bin/strata-overlay):
 * `ready`, `usage: WHY` or `error: WHY`. After `ready` the descriptor is closed, so the launcher's
 * read ends while the worker serves; after an error it stays open until this process exits, so the
 * launcher returns only once no worker is left. A worker that dies first closes it too, and the
 * launcher says so.
 * Tests: test/integration/fuse-worker.test.ts
 */
import { closeSync, writeSync } from 'node:fs'

export type Report = { ready: true } | { usage: string } | { error: string }

/** The report descriptor, taken from the environment once (children must not inherit the name). */
const reportFd = (() => {
  const fd = Number(process.env.STRATA_OVERLAY_REPORT_FD)
  delete process.env.STRATA_OVERLAY_REPORT_FD
  return Number.isInteger(fd) && fd > 2 ? fd : null
})()

/** Sends the report to the launcher, if one waits, then calls `then` (at once when none does). */
export function report(r: Report, then: () => void = () => undefined): void {
  if (reportFd !== null) {
    const line = 'ready' in r ? 'ready' : 'usage' in r ? `usage: ${r.usage}` : `error: ${r.error}`
    writeSync(reportFd, `${line.replace(/\n/g, ' ')}\n`)
    if ('ready' in r) closeSync(reportFd)
    return then()
  }
  if (!process.send) return then()
  const message = 'ready' in r ? 'ready' : { error: 'usage' in r ? r.usage : r.error }
  process.send(message, () => {
    process.disconnect?.()
    then()
  })
}
