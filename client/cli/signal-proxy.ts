/**
 * Docker's --sig-proxy for a foreground `run` and `start -a`: the signals this CLI receives go to
 * the container's process (`container.kill`) once the daemon said which container it started
 * (a 'Started' event), instead of ending the CLI and leaving the process running.
 * Tests: test/integration/container-run.test.ts
 */
import type { StrataClient } from '../client.js'
import type { ProgressEvent } from '../protocol.js'

const PROXIED = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'] as const

export interface SignalProxy {
  /** The call's onEvent: learns the container's ID from the 'Started' event. */
  onEvent(e: ProgressEvent): void
  /** Stops proxying (the signals act on the CLI again). */
  close(): void
}

export function proxySignals(client: StrataClient): SignalProxy {
  let container: string | undefined
  const handlers = PROXIED.map((signal) => {
    const handler = () => {
      if (!container) process.exit(128 + (signal === 'SIGINT' ? 2 : 15)) // not started yet: as if not caught
      client.call('container.kill', { container, signal }).catch((err: unknown) => {
        process.stderr.write(`strata: cannot forward ${signal}: ${(err as Error).message}\n`)
      })
    }
    process.on(signal, handler)
    return { signal, handler }
  })
  return {
    onEvent: (e) => {
      if (e.status === 'Started' && e.id) container = e.id
    },
    close: () => {
      for (const { signal, handler } of handlers) process.off(signal, handler)
    },
  }
}
