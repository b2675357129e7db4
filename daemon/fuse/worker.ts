#!/usr/bin/env node
/**
 * strata-overlay: mounts one layer stack through FUSE and serves it until it is unmounted.
 * Without -f it detaches (the parent exits once the mount is up, as fuse-overlayfs does); the
 * installed command is the shell launcher bin/strata-overlay, which starts this with -f itself.
 * SIGTERM/SIGINT unmount (lazily) and exit; an unmount from outside (umount, umount -l) ends the
 * session with ENODEV and the process exits. It never touches its own mount. SIGUSR1/SIGUSR2
 * pause and resume it (fuse/pause.ts, mounts/pause-worker.ts); a pause whose daemon is gone, or
 * has not renewed it for 5 s, ends by itself.
 * Tests: test/integration/fuse-worker.test.ts
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { createLogger } from '../log.js'
import { report } from './launch-report.js'
import { parseWorkerArgs, UsageError, type WorkerOptions } from './worker-options.js'

const log = createLogger('debug', 'strata-overlay')

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
    child.disconnect()
    if (failed) {
      // a failed start returns only once its worker is gone: the 'exit' handler below
      process.stderr.write(`strata-overlay: ${String((m as { error: unknown }).error)}\n`)
      return
    }
    child.unref()
    process.exit(0)
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
    return report({ usage: err.message }, () => process.exit(2))
  }
  if (!o.foreground) return detach(argv) // the detached copy warns about options
  for (const w of o.warnings) log.warn(w)
  import('./serve.js')
    .then(({ serve }) => serve(o, log))
    .catch((err: unknown) => {
      const message = String((err as Error)?.message ?? err)
      log.error('cannot serve', { err: message })
      report({ error: message }, () => process.exit(1))
    })
}

main(process.argv.slice(2))
