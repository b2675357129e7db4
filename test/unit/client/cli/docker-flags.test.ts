import type { Command } from 'commander'
import t from 'tap'
import { parseBool, rewriteBoolFlag, StrataCommand } from '../../../../client/cli/docker-flags.js'
import { buildProgram } from '../../../../client/cli/program.js'

t.test("parseBool is Go's strconv.ParseBool", async (t) => {
  for (const v of ['1', 't', 'T', 'true', 'TRUE', 'True']) t.equal(parseBool(v), true, v)
  for (const v of ['0', 'f', 'F', 'false', 'FALSE', 'False']) t.equal(parseBool(v), false, v)
  t.throws(() => parseBool('yes'), /strconv.ParseBool: parsing "yes": invalid syntax/)
})

t.test('a [bool] flag takes its value after = only', async (t) => {
  const human = new StrataCommand('x').option('-H, --human [bool]', '', parseBool, true).options
  t.equal(rewriteBoolFlag('-H=false', human), '--human=false')
  t.equal(rewriteBoolFlag('--human=0', human), '--human=0')
  t.equal(rewriteBoolFlag('-H', human), '--human=true')
  t.equal(rewriteBoolFlag('--human', human), '--human=true')
  t.equal(rewriteBoolFlag('-Hx', human), '-Hx', 'anything else is left to commander')
  t.equal(rewriteBoolFlag('busybox', human), 'busybox')
})

/** Every command that runs something, with its path from the top (`['image', 'history']`). */
function leaves(c: Command, path: string[] = []): Array<{ path: string[]; cmd: Command }> {
  if (!c.commands.length) return [{ path, cmd: c }]
  return c.commands.flatMap((sub) => leaves(sub, [...path, sub.name()]))
}

t.test("no command's short flag is taken by a global one; -H before the command is --host", async (t) => {
  const all = leaves(buildProgram())
  t.ok(all.length > 30, `${all.length} commands`)
  for (const { path, cmd } of all)
    for (const o of cmd.options.filter((o) => o.short)) {
      const program = buildProgram()
      const flag = o.required ? [o.short as string, 'v'] : [o.short as string]
      const { operands } = program.parseOptions([...path, ...flag, 'arg'])
      t.equal(program.opts().host, undefined, `${path.join(' ')} ${o.short}: not --host`)
      t.equal(operands[0], path[0], 'the command is found')
    }
  const program = buildProgram()
  program.parseOptions(['-H', '/run/x.sock', 'history', '-H=false', 'busybox'])
  t.equal(program.opts().host, '/run/x.sock')
})

t.test('history -H=false, -H IMAGE and commit -p CONTAINER parse as Docker does', async (t) => {
  const history = (args: string[]) => {
    const program = buildProgram().exitOverride()
    const cmd = program.commands.find((c) => c.name() === 'history') as Command
    cmd.action(() => undefined)
    program.parse(['node', 'strata', 'history', ...args])
    return { human: cmd.opts().human as boolean, args: cmd.args }
  }
  t.same(history(['-H=false', 'busybox']), { human: false, args: ['busybox'] })
  t.same(history(['--human=false', 'busybox']), { human: false, args: ['busybox'] })
  t.same(history(['-H', 'busybox']), { human: true, args: ['busybox'] }, 'the image is not the flag value')
  t.same(history(['busybox']), { human: true, args: ['busybox'] })
  const program = buildProgram().exitOverride()
  const commit = program.commands.find((c) => c.name() === 'commit') as Command
  commit.action(() => undefined)
  program.parse(['node', 'strata', 'commit', '-p', 'box', 'new:1'])
  t.same({ pause: commit.opts().pause as boolean, args: commit.args }, { pause: true, args: ['box', 'new:1'] })
})
