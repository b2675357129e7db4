/**
 * For tests that run processes in containers: a busybox image (Debian's busybox-static, with a
 * passwd and group naming uid 1000 `ann` and group `staff`), the CLI run as a child, and a daemon
 * whose teardown catches what a test leaves running: a container runc still lists under the
 * daemon's runtime state, a monitor process, a `strata-<id>` cgroup. Each is a failure that names
 * it; only after looking does the teardown end them (runc kill and delete -f), so the next test
 * starts clean either way. The failure is thrown by a teardown registered before the daemon's,
 * which tap runs last (last-in first-out, and a throw skips the teardowns after it): the
 * processes end first, then the daemon and its mounts, then the report.
 */
import { execFile, execFileSync } from 'node:child_process'
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { StrataClient } from '../../client/client.js'
import { startDaemon, STRATA_CLI, type Daemon, type DaemonOptions } from './daemon.js'
import { chunks } from './tar-builder.js'
import { tmpdir } from './tmpdir.js'

interface Teardown {
  teardown(fn: () => void | Promise<void>): void
}

const APPLETS = ['sh', 'echo', 'id', 'pwd', 'cat', 'sleep', 'ls', 'env', 'hostname', 'touch', 'true', 'false', 'stat']

/**
 * The preamble of a test that runs processes: a stratad (`o` as startDaemon's: a second daemon on
 * the same root and socket) whose leftovers fail the test and are cleaned up after (before its
 * mounts go), a client (closed after), busybox imported as `bb:run` unless `busybox` is false,
 * and the CLI on its socket.
 */
export async function runDaemon(
  t: Teardown & Parameters<typeof startDaemon>[0],
  o: { busybox?: boolean } & DaemonOptions = {},
): Promise<{ d: Daemon; client: StrataClient; cli: (...args: string[]) => Promise<CliResult> }> {
  const leaks = reportLeaks(t)
  const d = await startDaemon(t, o)
  cleanupRuntime(t, d.root, leaks)
  const client = await d.connect()
  t.teardown(() => client.close())
  if (o.busybox !== false) await importBusybox(t, client)
  return { d, client, cli: (...args: string[]) => strata(d.socket, args) }
}

/** Imports the busybox image as `ref`. */
export async function importBusybox(t: Teardown, c: StrataClient, ref = 'bb:run'): Promise<string> {
  const dir = join(tmpdir(t, 'strata-run-rootfs-'), 'rootfs')
  for (const d of ['bin', 'etc', 'tmp', 'home/ann']) mkdirSync(join(dir, d), { recursive: true })
  chmodSync(join(dir, 'tmp'), 0o1777)
  copyFileSync('/bin/busybox', join(dir, 'bin/busybox'))
  for (const a of APPLETS) symlinkSync('busybox', join(dir, 'bin', a))
  writeFileSync(join(dir, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nann:x:1000:1000:Ann:/home/ann:/bin/sh\n')
  writeFileSync(join(dir, 'etc/group'), 'root:x:0:\nann:x:1000:\nstaff:x:50:ann\n')
  execFileSync('chown', ['1000:1000', join(dir, 'home/ann')])
  const tar = execFileSync('tar', ['-C', dir, '-cf', '-', '.'], { maxBuffer: 64 * 1024 * 1024 })
  const { id } = await c.call('image.import', { ref, changes: ['CMD ["/bin/sh"]'] }, { upload: chunks(tar, 65536) })
  return id
}

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

/** The strata CLI against `socket`, to its end. */
export function strata(socket: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [STRATA_CLI, '-H', socket, ...args],
      { env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? ((err as { code?: unknown }).code as number | null) : 0
        resolve({ code: typeof code === 'number' ? code : null, stdout, stderr })
      },
    )
  })
}

/** Waits for `check` to hold, polling; fails after `ms` (generous: the machine may be loaded). */
export async function until(what: string, check: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** Registered before the daemon: its teardown runs last and fails the test with what `leaks` names. */
function reportLeaks(t: Teardown): string[] {
  const leaks: string[] = []
  t.teardown(() => {
    if (leaks.length) throw new Error(`the test left behind ${leaks.join('; ')}`)
  })
  return leaks
}

/**
 * At teardown, notes in `leaks` what still runs for the daemon on `root` (containers runc lists,
 * monitors), then ends it, then notes the cgroups left.
 */
function cleanupRuntime(t: Teardown, root: string, leaks: string[]): void {
  t.teardown(async () => {
    const state = join(root, 'runtime')
    const listed = runcList(state)
    if (listed.length) leaks.push(`containers runc still lists: ${listed.join(' ')}`)
    // a monitor writes the exit status, which the daemon records, and then exits: give it a moment
    const monitors = await settled(() => monitorPids(root), 2_000)
    if (monitors.length) leaks.push(`monitor processes: ${monitors.join(' ')}`)
    for (const id of listed) {
      runc(state, ['kill', id, 'KILL'])
      runc(state, ['delete', '-f', id])
    }
    const stuck = await settled(() => monitorPids(root), 30_000)
    if (stuck.length) leaks.push(`monitor processes that outlived runc kill: ${stuck.join(' ')}`)
    const ids = existsSync(join(root, 'containers')) ? readdirSync(join(root, 'containers')) : []
    const left = ids.flatMap((id) => cgroupsOf(id))
    if (left.length) leaks.push(`cgroups: ${left.join(' ')}`)
  })
}

/** `list()` once it is empty, or as it is after `ms`. */
async function settled<T>(list: () => T[], ms: number): Promise<T[]> {
  const end = Date.now() + ms
  for (;;) {
    const now = list()
    if (!now.length || Date.now() > end) return now
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** The IDs of the containers runc has state for under `state`. */
function runcList(state: string): string[] {
  if (!existsSync(state)) return []
  return execFileSync('runc', ['--root', state, 'list', '-q'], { encoding: 'utf8' }).split('\n').filter(Boolean)
}

export function monitorPids(root: string): number[] {
  try {
    return execFileSync('pgrep', ['-f', `strata-monitor runc ${root}/containers/`], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number)
  } catch (err) {
    if ((err as { status?: number }).status === 1) return []
    throw err
  }
}

/** The cgroup directories of a container (`strata-<id>` in any hierarchy). */
export function cgroupsOf(id: string): string[] {
  const out = execFileSync('find', ['/sys/fs/cgroup', '-maxdepth', '8', '-type', 'd', '-name', `strata-${id}`], {
    encoding: 'utf8',
  })
  return out.split('\n').filter(Boolean)
}

function runc(state: string, args: string[]): void {
  try {
    execFileSync('runc', ['--root', state, ...args], { stdio: 'ignore' })
  } catch {
    // not running, or already deleted: what the teardown wants anyway
  }
}
