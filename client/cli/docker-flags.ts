/**
 * Docker's flag rules where commander's differ. Docker (pflag) gives a boolean flag its value
 * only after `=`: `-H=false` and `--human=false` set it, `-H` alone means true, and the word after
 * `-H` is an argument, never its value. Commander's optional values (`[bool]`) would take that
 * word, and `-H=false` would give the value `=false`. StrataCommand rewrites a command's own
 * `[bool]` flags to `--long=value` before commander parses them; global flags (-H/--host) are
 * read before the command only (main.ts turns on positional options), as Docker reads them.
 * Tests: test/unit/client/cli/docker-flags.test.ts, test/integration/cli-global-flags.test.ts
 */
import { Command, InvalidArgumentError, type Option, type ParseOptionsResult } from 'commander'

/** Go's strconv.ParseBool, which Docker's boolean flags use. */
export function parseBool(value: string): boolean {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false
  throw new InvalidArgumentError(`strconv.ParseBool: parsing "${value}": invalid syntax`)
}

const isDockerBool = (o: Option): boolean => /\[bool\]$/.test(o.flags)

/** One argument of a command with Docker boolean flags, as commander should see it. */
export function rewriteBoolFlag(arg: string, bools: readonly Option[]): string {
  for (const o of bools) {
    if (!o.long) continue
    for (const name of [o.short, o.long]) {
      if (!name) continue
      if (arg === name) return `${o.long}=true`
      if (arg.startsWith(`${name}=`)) return `${o.long}=${arg.slice(name.length + 1)}`
    }
  }
  return arg
}

/** A commander Command whose subcommands are StrataCommands too, with Docker's boolean flags. */
export class StrataCommand extends Command {
  override createCommand(name?: string): StrataCommand {
    return new StrataCommand(name)
  }

  override parseOptions(argv: string[]): ParseOptionsResult {
    const bools = this.options.filter(isDockerBool)
    if (!bools.length) return super.parseOptions(argv)
    const end = argv.indexOf('--')
    const rewritten = argv.map((arg, i) => (end >= 0 && i >= end ? arg : rewriteBoolFlag(arg, bools)))
    return super.parseOptions(rewritten)
  }
}
