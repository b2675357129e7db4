/**
 * strata-overlay's lifecycle as fuse-overlayfs users drive it, through both launchers (node's and
 * the installed shell one): detached by default (returning at once, holding none of the caller's stdio), a clear exit code on bad options or paths, exit on
 * SIGTERM (unmounting) and on an unmount from outside, never a process left behind.
 */
import t from 'tap'
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { isMounted } from '../helpers/kernel-overlay.js'
import { mountStrata } from '../helpers/strata-mount.js'
import { tmpdir } from '../helpers/tmpdir.js'

const WORKER = fileURLToPath(new URL('../../daemon/fuse/worker.js', import.meta.url))
/** The installed command (package.json's bin): the shell launcher, from the source tree. */
const LAUNCHER = fileURLToPath(new URL('../../../bin/strata-overlay', import.meta.url))
/** The two ways to start strata-overlay detached: node's launcher (worker.js) and the installed shell one. */
const LAUNCHERS: [string, (args: string[]) => [string, string[]]][] = [
  ['node worker.js', (args) => [process.execPath, [WORKER, ...args]]],
  ['bin/strata-overlay', (args) => [LAUNCHER, args]],
]

function stackDirs(t: Parameters<typeof tmpdir>[0]) {
  const base = tmpdir(t, 'strata-worker-')
  for (const d of ['l', 'u', 'w', 'm']) mkdirSync(`${base}/${d}`)
  writeFileSync(`${base}/l/f`, 'lower')
  return base
}

const workersOn = (mnt: string) =>
  spawnSync('pgrep', ['-f', `worker.js .*${mnt}`], { encoding: 'utf8' })
    .stdout.trim()
    .split('\n')
    .filter(Boolean)

for (const [name, command] of LAUNCHERS) {
  t.test(`${name}: detached by default, returns once mounted, keeps none of the caller stdio`, async (t) => {
    const base = stackDirs(t)
    t.teardown(() => {
      if (isMounted(`${base}/m`)) execFileSync('umount', ['-l', `${base}/m`])
    })
    const options = `lowerdir=${base}/l,upperdir=${base}/u,workdir=${base}/w,some_fuse_option`
    const out = execFileSync(...command(['-o', options, `${base}/m`]), { encoding: 'utf8', timeout: 20_000 })
    t.equal(out, '')
    t.equal(readFileSync(`${base}/m/f`, 'utf8'), 'lower')
    t.equal(workersOn(`${base}/m`).length, 1)
    execFileSync('umount', [`${base}/m`])
    for (let i = 0; i < 50 && workersOn(`${base}/m`).length; i++) await new Promise((r) => setTimeout(r, 100))
    t.same(workersOn(`${base}/m`), [], 'the worker exited after umount')
  })

  t.test(`${name}: usage errors exit 2, unusable paths exit 1, both say why`, async (t) => {
    const base = stackDirs(t)
    const usage = spawnSync(...command(['-o', `upperdir=${base}/u`, `${base}/m`]), { encoding: 'utf8' })
    t.equal(usage.status, 2)
    t.match(usage.stderr, /lowerdir= is required|upperdir= and workdir= go together/)
    const missing = spawnSync(...command(['-o', `lowerdir=${base}/missing`, `${base}/m`]), { encoding: 'utf8' })
    t.equal(missing.status, 1)
    t.match(missing.stderr, /ENOENT/)
    t.notOk(isMounted(`${base}/m`))
    t.same(workersOn(`${base}/m`), [], 'no worker left')
  })
}

t.test('SIGTERM unmounts and exits; unknown options are warned about', async (t) => {
  const base = stackDirs(t)
  const m = await mountStrata(t, { lowers: [`${base}/l`], mnt: `${base}/m`, options: ['x-unknown=1'] })
  t.ok(m.log.some((l) => l.includes('ignoring unknown option x-unknown=1')))
  t.throws(() => writeFileSync(`${base}/m/new`, 'x'), { code: 'EROFS' }, 'no upperdir: read-only')
  m.worker.kill('SIGTERM')
  const code = await new Promise((r) => m.worker.once('exit', r))
  t.equal(code, 0)
  t.notOk(isMounted(`${base}/m`))
})
