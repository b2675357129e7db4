/**
 * -i and -t for run, start -a -i and exec, through a real stratad, runc and the strata CLI on the
 * busybox image: piped stdin reaching cat and read, its EOF closing the process's stdin, exit
 * codes kept; a terminal (/dev/pts, `test -t 0`, stdout and stderr merged, CR LF, the size asked
 * for, already when the process starts); -it from a terminal made by util-linux `script` (keys reach the shell, raw mode undone
 * after), -it refused without one; -dit keeping a shell alive; exec -i and -t in a -d container;
 * bad console sizes refused as INVALID_ARGUMENT. The teardown leaves no process, mount or cgroup
 * (test/helpers/run-fixtures.ts).
 */
import { spawn } from 'node:child_process'
import t from 'tap'
import { STRATA_CLI } from '../helpers/daemon.js'
import { until, type CliResult, runDaemon } from '../helpers/run-fixtures.js'

const { d, client, cli } = await runDaemon(t)
const cliArgs = (args: string[]) => [STRATA_CLI, '-H', d.socket, ...args]

/** The CLI with `input` as its stdin (a pipe, ended after it unless `keepOpen`), to its end. */
function piped(args: string[], input: string, keepOpen = false): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, cliArgs(args))
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()))
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()))
    child.stdin.on('error', () => undefined) // the CLI may end before it reads everything
    child.stdin.write(input)
    if (!keepOpen) child.stdin.end()
    child.on('close', (code) => {
      child.stdin.destroy()
      resolve({ code, stdout, stderr })
    })
  })
}

/** `sh -c command` on a terminal that util-linux script makes, with `input` typed into it. */
function onTerminal(command: string, input: string): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn('script', ['-qfec', command, '/dev/null'], { env: { ...process.env, SHELL: '/bin/sh' } })
    let stdout = ''
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()))
    child.stdin.on('error', () => undefined)
    child.stdin.write(input) // left open: script would type ^D at its end
    child.on('close', (code) => {
      child.stdin.destroy()
      resolve({ code, stdout, stderr: '' })
    })
  })
}

const quoted = (args: string[]) => args.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ')

t.test('run -i: piped stdin reaches the process, its EOF ends it, the exit code is its own', async (t) => {
  t.match(await piped(['run', '--rm', '-i', 'bb:run', 'cat'], 'hi\nthere\n'), { code: 0, stdout: 'hi\nthere\n' })
  const read = await piped(['run', '--rm', '-i', 'bb:run', 'sh', '-c', 'read x; echo got $x; exit 3'], 'one\n')
  t.match(read, { code: 3, stdout: 'got one\n' })
  const big = 'x'.repeat(300_000) + '\n'
  const counted = await piped(['run', '--rm', '-i', 'bb:run', 'sh', '-c', 'cat | wc -c'], big)
  t.equal(counted.stdout.trim(), String(big.length), 'more than a pipe buffer, all of it')
  t.match(await piped(['run', '--rm', 'bb:run', 'cat'], 'not sent\n'), { code: 0, stdout: '' }, 'no -i: /dev/null')
  const early = await piped(['run', '--rm', '-i', 'bb:run', 'sh', '-c', 'exit 4'], 'ignored\n', true)
  t.equal(early.code, 4, 'a process that ends without reading ends the CLI though its stdin is open')
})

t.test('run -t: a terminal without one on the client side', async (t) => {
  const r = await cli(
    'run',
    '--rm',
    '-t',
    'bb:run',
    'sh',
    '-c',
    'busybox tty; test -t 0 && echo T0; echo err >&2; exit 6',
  )
  t.match(r, { code: 6, stdout: /^\/dev\/pts\/\d+\r\nT0\r\nerr\r\n$/, stderr: '' }, 'merged, CR LF')
  const env = await cli('run', '--rm', '-t', 'bb:run', 'sh', '-c', 'echo $TERM; busybox stty size')
  t.equal(env.stdout, 'xterm\r\n24 80\r\n', 'TERM and the default size')
  const bad = await client
    .call('container.run', { image: 'bb:run', cmd: ['true'], tty: true, consoleSize: { rows: 0, cols: 80 } })
    .catch((e: unknown) => e)
  t.match(bad, { code: 'INVALID_ARGUMENT', message: /consoleSize.rows/ })
  const notNumber = await client
    .callRaw('container.run', { image: 'bb:run', cmd: ['true'], tty: true, consoleSize: { rows: 'x' } })
    .catch((e: unknown) => e)
  t.match(notNumber, { code: 'INVALID_ARGUMENT', message: /consoleSize.rows must be a number/ })
  t.match(await piped(['run', '--rm', '-it', 'bb:run', 'true'], ''), {
    code: 1,
    stderr: /the input device is not a TTY/,
  })
})

t.test('run -it from a terminal: keys reach the shell, its size is the terminal’s, raw mode is undone', async (t) => {
  const run = quoted([process.execPath, ...cliArgs(['run', '--rm', '-it', 'bb:run', 'sh'])])
  const command = `stty rows 33 cols 101; a=$(stty -g); ${run}; code=$?; [ "$a" = "$(stty -g)" ] && echo RESTORED; echo "code=$code"`
  const r = await onTerminal(command, 'busybox stty size; echo in-$((40+2)); exit 5\n')
  t.match(r.stdout, /33 101\r\n/, 'the terminal’s size')
  t.match(r.stdout, /in-42\r\n/)
  t.match(r.stdout, /RESTORED/, 'the terminal’s settings as before')
  t.match(r.stdout, /code=5/)
})

t.test('-dit keeps a shell with stdin open; exec -i and -t in it; start -a -i', async (t) => {
  t.match(await cli('run', '-dit', '--name', 'keep', 'bb:run', 'sh'), { code: 0 })
  t.teardown(() => cli('rm', '-f', 'keep'))
  t.match(await cli('run', '-di', '--name', 'keepi', 'bb:run', 'cat'), { code: 0 })
  t.teardown(() => cli('rm', '-f', 'keepi'))
  await until('both to run', async () => (await cli('ps', '-q')).stdout.split('\n').filter(Boolean).length >= 2)
  const running = async (name: string) => (await cli('inspect', '-f', '{{.State.Running}}', name)).stdout.trim()
  t.equal(await running('keep'), 'true', 'sh on a terminal stays')
  t.equal(await running('keepi'), 'true', 'cat with stdin open stays')
  t.match(await piped(['exec', '-i', 'keep', 'sh', '-c', 'cat; exit 7'], 'via exec\n'), {
    code: 7,
    stdout: 'via exec\n',
  })
  t.match(await piped(['exec', 'keep', 'cat'], 'not sent\n'), { code: 0, stdout: '' }, 'exec without -i: empty stdin')
  const tty = await cli('exec', '-t', 'keep', 'sh', '-c', 'busybox tty; test -t 0 && echo T0; echo $TERM; exit 2')
  t.match(tty, { code: 2, stdout: /^\/dev\/pts\/\d+\r\nT0\r\nxterm\r\n$/ })
  const exec = quoted([process.execPath, ...cliArgs(['exec', '-it', 'keep', 'sh'])])
  const it = await onTerminal(
    `stty rows 20 cols 70; ${exec}; echo "code=$?"`,
    'busybox stty size; echo ex-$((1+2)); exit 9\n',
  )
  t.match(it.stdout, /\n20 70\r\n/, 'the terminal’s size from the start')
  t.match(it.stdout, /ex-3\r\n/)
  t.match(it.stdout, /code=9/)
  t.match(await cli('stop', '-t', '1', 'keepi'), { code: 0 })
  t.match(await piped(['start', '-a', '-i', 'keepi'], 'again\n'), { code: 0, stdout: 'again\n' }, 'start -a -i')
})
