/**
 * The CLI's output where Docker's is the model, through a real stratad, with exact lines and exit
 * codes: `images -q` prints one ID per row (an image with two tags twice), `load -q` still says
 * what it loaded, `image prune` asks on stdout, rmi's refusals and a pull of what a real
 * docker-registry lacks in Docker's words, and templates
 * with Go's index, len, slice, split, title and `.Size` as a number.
 */
import { execFile } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t, { type Test } from 'tap'
import { runPiped } from '../helpers/cli.js'
import { startDaemon, STRATA_CLI, type Daemon } from '../helpers/daemon.js'
import { startRegistry } from '../helpers/registry.js'
import { tmpdir } from '../helpers/tmpdir.js'

/** The CLI with `input` on stdin (closed after it). */
const strata = (d: Daemon, args: string[], input = '') =>
  runPiped(process.execPath, [STRATA_CLI, ...args], input, { ...process.env, STRATA_SOCKET: d.socket })

/** demo:1 imported from a one-file root filesystem (GNU tar), and its short ID. */
async function demo(t: Test, d: Daemon): Promise<string> {
  const dir = tmpdir(t)
  mkdirSync(join(dir, 'root/etc'), { recursive: true })
  writeFileSync(join(dir, 'root/etc/hello'), 'hi')
  await promisify(execFile)('tar', ['-C', join(dir, 'root'), '-cf', join(dir, 'root.tar'), '.'])
  const r = await strata(d, ['import', join(dir, 'root.tar'), 'demo:1'])
  t.equal(r.code, 0, r.stderr)
  return r.stdout.trim().slice(7, 19)
}

t.test('images -q prints a line per row, duplicates included', async (t) => {
  const d = await startDaemon(t)
  const id = await demo(t, d)
  t.equal((await strata(d, ['tag', 'demo:1', 'other:2'])).code, 0)
  t.same(await strata(d, ['images', '-q']), { code: 0, stdout: `${id}\n${id}\n`, stderr: '' })
  t.equal((await strata(d, ['images', '-q', 'demo'])).stdout, `${id}\n`, 'one row, one line')
})

t.test('load -q still prints Loaded image', async (t) => {
  const d = await startDaemon(t)
  await demo(t, d)
  const archive = join(tmpdir(t), 'demo.tar')
  t.equal((await strata(d, ['save', '-o', archive, 'demo:1'])).code, 0)
  t.equal((await strata(d, ['rmi', 'demo:1'])).code, 0)
  t.same(await strata(d, ['load', '-q', '-i', archive]), { code: 0, stdout: 'Loaded image: demo:1\n', stderr: '' })
  t.same(await strata(d, ['load', '-i', archive]), { code: 0, stdout: 'Loaded image: demo:1\n', stderr: '' })
})

t.test('image prune asks on stdout; no is no, y goes on', async (t) => {
  const d = await startDaemon(t)
  const question = 'WARNING! This will remove all dangling images.\nAre you sure you want to continue? [y/N] '
  t.same(await strata(d, ['image', 'prune'], 'n\n'), { code: 0, stdout: question, stderr: '' })
  t.same(await strata(d, ['image', 'prune'], 'y\n'), {
    code: 0,
    stdout: `${question}Total reclaimed space: 0B\n`,
    stderr: '',
  })
})

t.test("rmi's refusals in Docker's words", async (t) => {
  const d = await startDaemon(t)
  const id = await demo(t, d)
  await strata(d, ['tag', 'demo:1', 'demo:2'])
  t.same(await strata(d, ['rmi', id]), {
    code: 1,
    stdout: '',
    stderr: `Error response from daemon: conflict: unable to delete ${id} (must be forced) - image is referenced in multiple repositories\n`,
  })
  t.equal((await strata(d, ['rmi', 'demo:2'])).stdout, 'Untagged: demo:2\n')
  const container = (await strata(d, ['create', '--name', 'c', 'demo:1'])).stdout.trim().slice(0, 12)
  t.same(await strata(d, ['rmi', 'demo:1']), {
    code: 1,
    stdout: '',
    stderr:
      'Error response from daemon: conflict: unable to remove repository reference "demo:1" (must force) - ' +
      `container ${container} is using its referenced image ${id}\n`,
  })
  t.same(await strata(d, ['rmi', id]), {
    code: 1,
    stdout: '',
    stderr: `Error response from daemon: conflict: unable to delete ${id} (cannot be forced) - image is being used by stopped container ${container}\n`,
  })
})

t.test("a pull of what the registry lacks, in Docker's words", async (t) => {
  const reg = await startRegistry(t)
  const d = await startDaemon(t)
  await demo(t, d)
  await strata(d, ['tag', 'demo:1', `${reg.host}/team/demo:1`])
  t.equal((await strata(d, ['push', `${reg.host}/team/demo:1`])).code, 0)
  t.same(await strata(d, ['pull', `${reg.host}/team/demo:nosuch`]), {
    code: 1,
    stdout: '',
    stderr: `Error response from daemon: manifest for ${reg.host}/team/demo:nosuch not found: manifest unknown: manifest unknown\n`,
  })
  t.same(await strata(d, ['pull', `${reg.host}/team/none:1`]), {
    code: 1,
    stdout: '',
    // distribution 2.8 answers MANIFEST_UNKNOWN for a repository it does not have, too
    stderr: `Error response from daemon: manifest for ${reg.host}/team/none:1 not found: manifest unknown: manifest unknown\n`,
  })
})

t.test('templates: index, len, slice, split, title; .Size a number', async (t) => {
  const d = await startDaemon(t)
  const id = await demo(t, d)
  await strata(d, ['tag', 'demo:1', 'reg.lan/team/demo:1'])
  const images = await strata(d, [
    'images',
    '--format',
    '{{index (split .Repository "/") 0}} {{len .Tag}} {{slice .ID 0 4}} {{title .Repository}}',
  ])
  t.same(images, {
    code: 0,
    stdout: `demo 1 ${id.slice(0, 4)} Demo\nreg.lan 1 ${id.slice(0, 4)} Reg.Lan/Team/Demo\n`,
    stderr: '',
  })
  t.equal(
    (await strata(d, ['inspect', '--format', '{{.Size}} {{index .RepoTags 1}} {{len .RepoTags}}', 'demo:1'])).stdout,
    '2 reg.lan/team/demo:1 2\n',
  )
  const bad = await strata(d, ['inspect', '--format', '{{index .RepoTags 5}}', 'demo:1'])
  t.same(bad, { code: 1, stdout: '', stderr: 'template: error calling index: index out of range: 5\n' })
})
