/**
 * The strata CLI as users run it, against a real stratad: output formats, flags, the socket
 * chosen by --host or STRATA_SOCKET, and Docker's exit codes.
 */
import { execFile, execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t, { type Test } from 'tap'
import { startDaemon, STRATA_CLI, type Daemon } from '../helpers/daemon.js'
import { runCli } from '../helpers/cli.js'
import { tmpdir } from '../helpers/tmpdir.js'

const strata = runCli

const on = (d: Daemon) => ({ STRATA_SOCKET: d.socket })

/** A tiny root filesystem tarball (etc/hello), made by GNU tar. */
function rootTarball(t: Test): string {
  const dir = tmpdir(t)
  mkdirSync(join(dir, 'root/etc'), { recursive: true })
  writeFileSync(join(dir, 'root/etc/hello'), 'hi')
  const tarball = join(dir, 'root.tar')
  execFileSync('tar', ['-C', join(dir, 'root'), '-cf', tarball, '.'])
  return tarball
}

t.test('version and info, as text and through --format', async (t) => {
  const d = await startDaemon(t)
  const v = await strata(['version'], on(d))
  t.equal(v.code, 0)
  t.match(v.stdout, /^Client:\n Version: +0\.1\.0\n[\s\S]*\nServer:\n Version: +0\.1\.0\n[\s\S]* Kernel: /)
  t.equal((await strata(['version', '--format', '{{.Server.Protocol}}'], on(d))).stdout, '1\n')
  t.match(JSON.parse((await strata(['version', '--format', 'json'], on(d))).stdout), { Client: { Version: '0.1.0' } })
  const info = await strata(['info'], on(d))
  t.match(info.stdout, new RegExp(`Data Root: ${d.root}\n`))
  t.match(info.stdout, /Storage Driver: strata-fuse\n/)
  t.equal((await strata(['system', 'info', '--format', '{{.RootDir}} {{.Mounts}}'], on(d))).stdout, `${d.root} 0\n`)
  t.equal(
    (await strata(['-H', `unix://${d.socket}`, 'info', '-f', '{{.Pid}}'])).stdout,
    `${d.proc.pid}\n`,
    '--host wins',
  )
})

t.test('overlay mount, ls (-q, --no-trunc, --format, table) and rm', async (t) => {
  const dir = tmpdir(t)
  for (const sub of ['l', 'u', 'w', 'mnt']) mkdirSync(join(dir, sub))
  writeFileSync(join(dir, 'l', 'f'), 'x')
  const d = await startDaemon(t)
  const m = await strata(
    ['overlay', 'mount', '-o', `lowerdir=${dir}/l,upperdir=${dir}/u,workdir=${dir}/w`, `${dir}/mnt`],
    on(d),
  )
  t.equal(m.code, 0, m.stderr)
  const id = m.stdout.trim()
  t.match(id, /^[0-9a-f]{64}$/)
  t.equal((await strata(['overlay', 'ls', '-q'], on(d))).stdout, `${id.slice(0, 12)}\n`)
  t.equal((await strata(['overlay', 'ls', '-q', '--no-trunc'], on(d))).stdout, `${id}\n`)
  t.equal(
    (await strata(['overlay', 'ls', '--format', '{{.ID}} {{.State}} {{.Layers}}'], on(d))).stdout,
    `${id.slice(0, 12)} serving 2\n`,
  )
  const table = (await strata(['overlay', 'ls'], on(d))).stdout.split('\n')
  t.match(table[0], /^MOUNT ID {7}STATE {5}PID {7}LAYERS {4}CREATED {4,}TARGET$/)
  t.match(table[1], new RegExp(`^${id.slice(0, 12)} {3}serving {3}[0-9]+ +2 +.* ago +${dir}/mnt$`))
  const again = await strata(['overlay', 'mount', '-o', `lowerdir=${dir}/l`, `${dir}/mnt`], on(d))
  t.equal(again.code, 1)
  t.match(again.stderr, /^Error response from daemon: .* is already mount/)
  const rm = await strata(['overlay', 'rm', id.slice(0, 5), 'nosuchmount'], on(d))
  t.equal(rm.code, 1, 'one of two failed')
  t.equal(rm.stdout, `${id.slice(0, 5)}\n`)
  t.match(rm.stderr, /no mount nosuchmount/)
  t.equal((await strata(['overlay', 'ls', '-q'], on(d))).stdout, '')
})

t.test('exit codes: 125 for a bad command line, 1 for errors, 0 for help', async (t) => {
  const d = await startDaemon(t)
  const bad = await strata(['overlay', 'ls', '--bogus'], on(d))
  t.equal(bad.code, 125)
  t.match(bad.stderr, /unknown option '--bogus'[\s\S]*See 'strata --help'/)
  t.equal((await strata(['nosuchverb'], on(d))).code, 125)
  const badOpt = await strata(['overlay', 'mount', '-o', 'lowerdir=/x,colour=blue', '/mnt'], on(d))
  t.equal(badOpt.code, 125)
  t.match(badOpt.stderr, /unknown mount option colour=blue/)
  const tpl = await strata(['info', '--format', '{{.NoSuchField}}'], on(d))
  t.equal(tpl.code, 1)
  t.match(tpl.stderr, /can't evaluate field NoSuchField/)
  const missing = await strata(['import', '/nonexistent/rootfs.tar'], on(d))
  t.equal(missing.code, 1)
  t.match(missing.stderr, /^Error: ENOENT: no such file or directory, open '\/nonexistent\/rootfs.tar'/)
  const help = await strata(['--help'], on(d))
  t.equal(help.code, 0)
  t.match(help.stdout, /Usage: strata/)
  const down = await strata(['info'], { STRATA_SOCKET: join(tmpdir(t), 'none.sock') })
  t.equal(down.code, 1)
  t.match(down.stderr, /^Error: cannot connect to stratad at .*none\.sock .*is the daemon running\?/)
  const versionDown = await strata(['version'], { STRATA_SOCKET: join(tmpdir(t), 'none.sock') })
  t.equal(versionDown.code, 1, 'version fails without a daemon')
  t.match(versionDown.stdout, /^Client:/, 'but still prints the client part')
})

t.test('import from stdin, images, tag, history, inspect, rmi', async (t) => {
  const d = await startDaemon(t)
  const tarball = rootTarball(t)
  const imported = await promisify(execFile)(
    'sh',
    ['-c', `"${process.execPath}" "${STRATA_CLI}" import -m hello -c 'CMD ["/bin/true"]' - demo:1 < "${tarball}"`],
    {
      env: { ...process.env, STRATA_SOCKET: d.socket },
    },
  )
  const id = imported.stdout.trim()
  t.match(id, /^sha256:[0-9a-f]{64}$/)
  t.equal((await strata(['tag', 'demo:1', 'demo:latest'], on(d))).code, 0)
  const table = (await strata(['images'], on(d))).stdout.split('\n')
  t.match(table[0], /^REPOSITORY +TAG +IMAGE ID +CREATED +SIZE$/)
  t.match(table[1], new RegExp(`^demo +1 +${id.slice(7, 19)} +.* ago +2B$`), "SIZE: the content, etc/hello's 2 bytes")
  t.equal(
    (await strata(['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}', 'demo:lat*'], on(d))).stdout,
    'demo:latest\n',
  )
  t.match(
    (await strata(['history', 'demo:1'], on(d))).stdout,
    /^IMAGE +CREATED +CREATED BY +SIZE +COMMENT\n[0-9a-f]{12} .* hello\n$/,
  )
  t.equal(
    (await strata(['image', 'inspect', '-f', '{{.Comment}} {{json .Config.Cmd}}', 'demo:1'], on(d))).stdout,
    'hello ["/bin/true"]\n',
  )
  t.equal((await strata(['rmi', 'demo:1'], on(d))).stdout, 'Untagged: demo:1\n')
  const last = await strata(['rmi', 'demo', 'nosuch'], on(d))
  t.equal(last.code, 1)
  t.match(last.stdout, new RegExp(`^Untagged: demo:latest\nDeleted: ${id}\nDeleted: sha256:[0-9a-f]{64}\n$`))
  t.match(
    last.stderr,
    /Error response from daemon: No such image: nosuch:latest\n/,
    "a name without a tag is named with Docker's default tag",
  )
})

t.test('containers: create, mount, ps, diff, commit, unmount, rm; image prune, system df, fsck', async (t) => {
  const d = await startDaemon(t)
  const tarball = rootTarball(t)
  t.equal((await strata(['import', tarball, 'base:1'], on(d))).code, 0)
  const id = (await strata(['create', '--name', 'box', 'base:1'], on(d))).stdout.trim()
  t.match(id, /^[0-9a-f]{64}$/)
  const mnt = (await strata(['mount', 'box'], on(d))).stdout.trim()
  t.teardown(() => strata(['unmount', '-f', 'box'], on(d)).then(() => undefined))
  writeFileSync(join(mnt, 'etc/new'), 'new')
  const ps = (await strata(['ps'], on(d))).stdout.split('\n')
  t.match(ps[0], /^CONTAINER ID +IMAGE +COMMAND +CREATED +STATUS +NAMES$/)
  t.match(ps[1], new RegExp(`^${id.slice(0, 12)} +base:1 +.* ago +Mounted +box$`))
  t.equal((await strata(['container', 'ls', '-a', '-q'], on(d))).stdout, `${id.slice(0, 12)}\n`)
  t.equal((await strata(['diff', 'box'], on(d))).stdout, 'C /etc\nA /etc/new\n')
  const committed = (await strata(['commit', '-m', 'added', 'box', 'base:2'], on(d))).stdout.trim()
  t.match(committed, /^sha256:[0-9a-f]{64}$/)
  const busy = await strata(['rm', 'box'], on(d))
  t.equal(busy.code, 1)
  t.equal(
    busy.stderr,
    'Error response from daemon: cannot remove container "/box": container is mounted: ' +
      'unmount the container before removing or force remove\n',
  )
  t.equal((await strata(['unmount', 'box'], on(d))).code, 0)
  t.equal((await strata(['ps'], on(d))).stdout.split('\n').length, 2, 'only the header once unmounted')
  t.equal((await strata(['rm', 'box'], on(d))).stdout, 'box\n')
  t.equal((await strata(['rmi', 'base:2'], on(d))).code, 0)
  const pruned = await strata(['image', 'prune', '-a', '-f'], on(d))
  t.match(
    pruned.stdout,
    /^Deleted Images:\nuntagged: base:1\ndeleted: sha256:[0-9a-f]{64}\n[\s\S]*\nTotal reclaimed space: [0-9.]+kB\n$/,
  )
  t.match(
    (await strata(['system', 'df'], on(d))).stdout,
    /^TYPE +TOTAL +ACTIVE +SIZE +RECLAIMABLE\nImages +0 +0 +0B +0B\n/,
  )
  t.match((await strata(['fsck'], on(d))).stdout, /: 0 problems, 0 repaired\n$/)
  const noPrompt = await promisify(execFile)(
    'sh',
    ['-c', `"${process.execPath}" "${STRATA_CLI}" image prune < /dev/null`],
    {
      env: { ...process.env, STRATA_SOCKET: d.socket },
    },
  )
  t.equal(
    noPrompt.stdout,
    'WARNING! This will remove all dangling images.\nAre you sure you want to continue? [y/N] ',
    'asks on stdout, as Docker, without -f; no answer is no, and nothing is done',
  )
  t.equal(noPrompt.stderr, '')
})
