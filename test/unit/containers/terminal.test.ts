import { execFileSync } from 'node:child_process'
import t from 'tap'
import { shellQuoted, terminalSize, underTerminal } from '../../../daemon/containers/terminal.js'

t.test('terminalSize: 24x80 by default, integers from 1 to 65535, INVALID_ARGUMENT otherwise', async (t) => {
  t.same(terminalSize(undefined), { rows: 24, cols: 80 })
  t.same(terminalSize({ rows: 50 }), { rows: 50, cols: 80 })
  t.same(terminalSize({ rows: 1, cols: 65535 }), { rows: 1, cols: 65535 })
  for (const bad of [{ rows: 0 }, { cols: 65536 }, { rows: 2.5 }, { cols: -1 }, { rows: Number.NaN }])
    t.throws(() => terminalSize(bad), { code: 'INVALID_ARGUMENT', message: /consoleSize\.(rows|cols)/ })
})

t.test('shellQuoted: /bin/sh reads back every word as it was', async (t) => {
  const words = ['plain', "it's", 'a b', '$HOME `x` "q" \\ \n', '']
  const out = execFileSync('/bin/sh', ['-c', `printf '%s\\0' ${words.map(shellQuoted).join(' ')}`])
  t.same(out.toString().split('\0').slice(0, -1), words)
})

t.test('underTerminal: script with echo off, the size set first, the exit status passed on', async (t) => {
  const args = underTerminal(['sh', '-c', 'exit 3'], { rows: 30, cols: 100 })
  t.same(args.slice(0, 6), ['-E', 'never', '-q', '-f', '-e', '-c'])
  t.equal(args[6], `stty rows 30 cols 100 && exec 'sh' '-c' 'exit 3'`)
  t.equal(args[7], '/dev/null')
})
