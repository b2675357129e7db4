#!/usr/bin/env node
/**
 * strata: the command line for stratad. Verbs, flags and output follow Docker's CLI; the socket
 * comes from -H/--host, STRATA_SOCKET, or /run/strata/strata.sock.
 */
import { CommanderError } from 'commander'
import { report } from './context.js'
import { buildProgram } from './program.js'

async function main(): Promise<void> {
  const program = buildProgram()
  try {
    await program.parseAsync(process.argv)
  } catch (err) {
    if (!(err instanceof CommanderError)) {
      process.exitCode = report(err)
      return
    }
    const shown = ['commander.helpDisplayed', 'commander.help', 'commander.version'].includes(err.code)
    if (shown) return
    process.stderr.write(`See 'strata --help'.\n`)
    process.exitCode = 125
  }
}

await main()
