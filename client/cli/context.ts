/**
 * What every command gets: a way to reach the daemon (honouring -H/--host and STRATA_SOCKET)
 * and to print. `action` runs a command's body and turns failures into Docker's exit codes:
 * 1 with "Error response from daemon: …" for the daemon's errors, 1 with "Error: …" when it
 * cannot be reached, 125 for a bad command line.
 */
import type { Command } from 'commander'
import { StrataClient, DaemonError } from '../client.js'
import { StrataError } from '../protocol.js'
import { FormatError } from './template.js'

export interface Cli {
  connect(): Promise<StrataClient>
  out(s: string): void
}

/** For commander options that may repeat (`-c A -c B`, `--filter X --filter Y`). */
export const repeatable = (value: string, previous: string[]): string[] => [...previous, value]

/** `--filter k=v` options as the RPC's filter map (`label!=x` is key `label!`). */
export function parseFilters(list: string[]): Record<string, string[]> {
  const filters: Record<string, string[]> = {}
  for (const f of list) {
    const [k, v] = f.split(/=(.*)/s)
    if (!k || v === undefined) throw new UsageError(`bad format of filter (expected name=value): ${f}`)
    ;(filters[k] ??= []).push(v)
  }
  return filters
}

/** Docker's "[y/N]" question, on stdout as Docker asks it; anything but y/Y (or no answer at all) is no. */
export async function confirm(question: string): Promise<boolean> {
  process.stdout.write(`${question} [y/N] `)
  const answer = await new Promise<string>((resolve) => {
    let text = ''
    const onData = (b: Buffer) => {
      text += b.toString()
      if (text.includes('\n')) done()
    }
    const done = () => {
      process.stdin.off('data', onData).off('end', done).pause()
      resolve(text.split('\n')[0] ?? '')
    }
    process.stdin.on('data', onData).once('end', done)
  })
  return /^y(es)?$/i.test(answer.trim())
}

export class UsageError extends Error {
  override name = 'UsageError'
}

export function createCli(program: Command): Cli {
  return {
    connect: () =>
      StrataClient.connect({ socket: (program.opts() as { host?: string }).host, clientName: 'strata-cli' }),
    out: (s) => void process.stdout.write(s),
  }
}

/** Wraps a command body: one connection, closed afterwards, errors printed once. */
export function action<A extends unknown[]>(cli: Cli, body: (client: StrataClient, ...args: A) => Promise<void>) {
  return async (...args: A): Promise<void> => {
    let client: StrataClient | undefined
    try {
      client = await cli.connect()
      await body(client, ...args)
    } catch (err) {
      process.exitCode = report(err)
    } finally {
      client?.close()
    }
  }
}

/**
 * Runs `each` for every argument in order; a failure is reported and the rest still run, and the
 * exit code says one failed (as `docker rm`, `rmi`, `inspect` do).
 */
export async function eachReported<T>(args: T[], each: (arg: T) => Promise<void>): Promise<void> {
  for (const arg of args) {
    try {
      await each(arg)
    } catch (err) {
      process.exitCode = report(err)
    }
  }
}

export function report(err: unknown): number {
  if (err instanceof DaemonError) process.stderr.write(`Error response from daemon: ${err.message}\n`)
  else if (err instanceof StrataError) process.stderr.write(`Error: ${err.message}\n`)
  else if (err instanceof FormatError) process.stderr.write(`template: ${err.message}\n`)
  else if (err instanceof Error && typeof (err as NodeJS.ErrnoException).syscall === 'string')
    process.stderr.write(`Error: ${err.message}\n`) // a local file the command was given, e.g. import's tarball
  else if (err instanceof UsageError) {
    process.stderr.write(`${err.message}\n`)
    return 125
  } else throw err
  return 1
}
