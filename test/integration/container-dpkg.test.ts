/**
 * A package install in a container, as Docker tutorials do it: `run` installs a .deb with dpkg
 * (busybox's, in the busybox image: the unpack, the maintainer script and dpkg's status database
 * are the same kind of small-file work through the mount as Debian's dpkg), `diff` shows what the
 * install changed, `commit` makes it an image, and a container of that image has the package
 * installed. The .deb is built on the host with dpkg-deb. The teardown leaves no process, mount or
 * cgroup (test/helpers/run-fixtures.ts).
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs'
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import t from 'tap'
import { runDaemon } from '../helpers/run-fixtures.js'
import { tmpdir } from '../helpers/tmpdir.js'

const { cli } = await runDaemon(t)

/** A .deb with a data file, a postinst that leaves a mark, gzip members (busybox's dpkg reads those). */
function buildDeb(dir: string): string {
  const pkg = join(dir, 'pkg')
  mkdirSync(join(pkg, 'DEBIAN'), { recursive: true })
  mkdirSync(join(pkg, 'usr/share/hello-strata'), { recursive: true })
  writeFileSync(
    join(pkg, 'DEBIAN/control'),
    'Package: hello-strata\nVersion: 1.0\nArchitecture: all\nMaintainer: strata tests <tests@strata.invalid>\n' +
      'Description: what the dpkg test installs\n',
  )
  writeFileSync(join(pkg, 'DEBIAN/postinst'), '#!/bin/sh\necho configured > /var/lib/hello-strata.state\n')
  chmodSync(join(pkg, 'DEBIAN/postinst'), 0o755)
  writeFileSync(join(pkg, 'usr/share/hello-strata/greeting'), 'hello from a deb\n')
  mkdirSync(join(dir, 'debs'))
  execFileSync('dpkg-deb', ['-Zgzip', '--root-owner-group', '--build', pkg, join(dir, 'debs/hello.deb')])
  return join(dir, 'debs')
}

t.test('run installs a .deb with dpkg; diff shows the install; commit makes it an image', async (t) => {
  const debs = buildDeb(tmpdir(t))
  const install = 'mkdir -p /var/lib/dpkg/info && touch /var/lib/dpkg/status && busybox dpkg -i /debs/hello.deb'
  const run = await cli('run', '--name', 'dpkg1', '-v', `${debs}:/debs:ro`, 'bb:run', 'sh', '-c', install)
  t.equal(run.code, 0, run.stderr)
  t.match(run.stdout, /Setting up hello-strata \(1\.0\)/)

  const diffed = await cli('diff', 'dpkg1')
  t.equal(diffed.code, 0, diffed.stderr)
  const diff = diffed.stdout.split('\n')
  for (const line of [
    'A /usr/share/hello-strata/greeting',
    'A /var/lib/dpkg/status',
    'A /var/lib/dpkg/info/hello-strata.list',
    'A /var/lib/hello-strata.state',
  ])
    t.ok(diff.includes(line), `diff shows ${line}`)
  const atDebs = diff.filter((l) => l.includes('debs'))
  t.same(atDebs, ['A /debs'], "only the bind mount's target, made in upper/ for it (as Docker shows it)")

  t.match(await cli('commit', 'dpkg1', 'bb:hello'), { code: 0 })
  const check = await cli(
    ...['run', '--rm', 'bb:hello', 'sh', '-c'],
    'cat /usr/share/hello-strata/greeting /var/lib/hello-strata.state; busybox grep -A6 "^Package: hello-strata" /var/lib/dpkg/status',
  )
  t.equal(check.code, 0, check.stderr)
  t.match(check.stdout, /^hello from a deb\nconfigured\nPackage: hello-strata\n/)
  t.match(check.stdout, /Status: install ok installed/, "the committed image's dpkg database has it installed")
  t.match(await cli('rm', 'dpkg1'), { code: 0 })
})
